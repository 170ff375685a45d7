// sd_notify for Node: READY, RELOADING, STOPPING, STATUS, MAINPID and the watchdog, sent as
// datagrams to NOTIFY_SOCKET (a path), through the optional native module of unix-datagram.ts.
import type { Logger } from 'pino'
import { FSR_ERR_NOTIFY_SOCKET } from './errors.ts'
import { loadDgramSocket, socketPathProblem } from './unix-datagram.ts'

type Env = Readonly<Record<string, string | undefined>>

export interface SystemdNotifier {
  /** True when NOTIFY_SOCKET is set and datagrams can be sent. */
  readonly isEnabled: boolean
  /** Sends one message of `KEY=value` lines; resolves once sent (failures are logged, never thrown). */
  notify (fields: Readonly<Record<string, string | number>>): Promise<void>
  /**
   * Sends WATCHDOG=1 every half of WATCHDOG_USEC while `isHealthy()` holds and the event loop keeps
   * its pace; a hung or unhealthy process stops pinging and systemd restarts it. No-op without a watchdog.
   */
  startWatchdog (isHealthy: () => boolean): void
  /** Stops the watchdog and closes the socket. */
  close (): void
}

const DISABLED: SystemdNotifier = Object.freeze({
  isEnabled: false,
  notify: async () => {},
  startWatchdog () {},
  close () {},
})

// The most a timer holds: Node runs a longer setInterval every 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1

/** WATCHDOG_PID, when set, names the process the watchdog is meant for. */
function isOurWatchdog (env: Env, pid: number): boolean {
  return env.WATCHDOG_PID === undefined || env.WATCHDOG_PID === String(pid)
}

/**
 * The watchdog interval in ms for this process (half of WATCHDOG_USEC, at most 2^31-1), or undefined
 * when systemd set none for it or WATCHDOG_USEC is not a positive decimal integer.
 */
export function watchdogInterval (env: Env, pid: number): number | undefined {
  if (!/^\d+$/.test(env.WATCHDOG_USEC ?? '')) return undefined
  const usec = Number(env.WATCHDOG_USEC)
  if (usec === 0) return undefined
  if (!isOurWatchdog(env, pid)) return undefined
  return Math.min(MAX_TIMER_MS, Math.max(1, Math.floor(usec / 2000)))
}

export function createSystemdNotifier (log: Logger, env: Env = process.env, pid = process.pid): SystemdNotifier {
  const target = env.NOTIFY_SOCKET
  if (target === undefined || target === '') return DISABLED
  if (target.startsWith('@')) {
    // node-unix-socket pads abstract names to the full sun_path length, so the datagram would go to
    // another name than systemd bound: say so rather than send into the void.
    log.warn({ socket: target }, 'systemd notify unavailable: abstract socket names are not supported yet, use a path')
    return DISABLED
  }
  const problem = socketPathProblem(target)
  if (problem !== undefined) {
    log.warn({ err: new FSR_ERR_NOTIFY_SOCKET(target, problem) }, 'systemd notify disabled: invalid NOTIFY_SOCKET')
    return DISABLED
  }
  const Socket = loadDgramSocket()
  if (Socket instanceof Error) {
    log.warn({ err: Socket, socket: target }, 'systemd notify requested but unavailable: install the optional dependency node-unix-socket')
    return DISABLED
  }
  const path = target
  const socket = new Socket()
  const interval = watchdogInterval(env, pid)
  if (interval === undefined && env.WATCHDOG_USEC !== undefined && isOurWatchdog(env, pid)) {
    log.warn({ value: env.WATCHDOG_USEC }, 'systemd watchdog disabled: WATCHDOG_USEC is not a positive integer of microseconds')
  }
  let watchdog: NodeJS.Timeout | undefined
  let isClosed = false
  // Logged once per change, not once per watchdog ping.
  let isFailing = false

  function settled (err: Error | undefined): void {
    if (err !== undefined && !isFailing) log.warn({ err, socket: target }, 'systemd notify failed')
    else if (err === undefined && isFailing) log.info({ socket: target }, 'systemd notify recovered')
    isFailing = err !== undefined
  }

  function notify (fields: Readonly<Record<string, string | number>>): Promise<void> {
    if (isClosed) return Promise.resolve()
    const message = Buffer.from(Object.entries(fields).map(([key, value]) => `${key}=${value}`).join('\n'))
    return new Promise((resolve) => {
      try {
        socket.sendTo(message, 0, message.length, path, (err) => {
          settled(err ?? undefined)
          resolve()
        })
      } catch (err) {
        // node-unix-socket throws some failures (an over-long path) instead of passing them to the callback.
        settled(err as Error)
        resolve()
      }
    })
  }

  return {
    isEnabled: true,
    notify,
    startWatchdog (isHealthy) {
      if (interval === undefined || watchdog !== undefined) return
      let expected = Date.now() + interval
      watchdog = setInterval(() => {
        const now = Date.now()
        // A tick far behind its time means the event loop was blocked: skip the ping.
        const isResponsive = now - expected < interval
        expected = now + interval
        if (isResponsive && isHealthy()) void notify({ WATCHDOG: 1 })
        else log.warn({ isResponsive }, 'watchdog ping skipped')
      }, interval)
      watchdog.unref()
      void notify({ WATCHDOG: 1 })
    },
    close () {
      clearInterval(watchdog)
      watchdog = undefined
      if (!isClosed) socket.close()
      isClosed = true
    },
  }
}
