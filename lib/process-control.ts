// What a runner does as the main process of a program: shutdown on signals, upgrade on SIGHUP,
// systemd notify and watchdog, the PID file. Installed by start() unless `signals: false`.
import { readFileSync } from 'node:fs'
import type { Logger } from 'pino'
import type { ResolvedRunnerOptions, UpgradeOutcome } from '../types/index.ts'
import { checkPidFile, writePidFile } from './pid-file.ts'
import { installShutdownHandlers, type ShutdownHandlers } from './shutdown-signals.ts'
import { createSystemdNotifier, type SystemdNotifier } from './systemd-notify.ts'
import type { Handover } from './handover.ts'
import { readGeneration, reportReadyToParent, Upgrader } from './upgrade.ts'

export interface ProcessControlHost {
  readonly log: Logger
  readonly options: ResolvedRunnerOptions
  /** The graceful stop; its rejection carries the exit code. */
  stop (): Promise<void>
  /** True while the runner serves (started, not draining). */
  isRunning (): boolean
  /** True while no critical service is unhealthy (feeds the watchdog). */
  isHealthy (): boolean
  /** One-line summary for systemd's STATUS=. */
  summary (): string
  /** This generation and the listening sockets to hand to the next one. */
  readonly handover: Handover
  /** Services' hooks before the handover; a rejection cancels the upgrade. */
  beforeUpgrade (): Promise<void>
  /** Hears how each upgrade ended, and how long it took (ms). */
  upgraded (outcome: UpgradeOutcome, duration: number): void
}

export interface ProcessControl {
  readonly generation: number
  /** After a successful start: report ready (to systemd, or to the parent generation) and write the PID file. */
  started (): Promise<void>
  /** At the start of a shutdown; resolves with the idle grace the drain should give keep-alive sockets. */
  stopping (): Promise<{ idleGrace: number }>
  /** At the very end: stop the watchdog, close the notify socket, remove every listener. */
  stopped (): void
  upgrade (): Promise<UpgradeOutcome>
  /** The graceful stop of a signal, then exit with `code` (a restart policy gave up). */
  exit (code: number, reason: string): void
  /** True once the stop under way is one that ends the process (a signal, an uncaught error, `exit`). */
  isExiting (): boolean
}

/** Keep-alive sockets idle this long during an upgrade drain are closed; busy ones move on their next response. */
const UPGRADE_IDLE_GRACE = 1_000

export function createProcessControl (host: ProcessControlHost): ProcessControl {
  const { log, options } = host
  const { generation, parentPid } = host.handover
  const notifier: SystemdNotifier = createSystemdNotifier(log)
  const upgrader = new Upgrader({
    log,
    generation,
    timeout: options.upgrade === false ? 0 : options.upgrade.timeout,
    sockets: () => host.handover.sockets,
  })
  // Set before the first await of an upgrade: a trigger arriving while the hooks run is refused.
  let isUpgrading = false
  let handedOverTo: number | undefined
  let handlers: ShutdownHandlers | undefined = installShutdownHandlers(options.signals === false ? [] : options.signals, log, host.stop, () => {
    upgrade().catch((err: unknown) => log.error({ err }, 'upgrade failed'))
  })

  const refuse = (reason: string): UpgradeOutcome => {
    log.warn({ reason }, 'upgrade refused')
    return { ok: false, reason }
  }

  function upgrade (): Promise<UpgradeOutcome> {
    if (options.upgrade === false) return Promise.resolve(refuse('upgrade is disabled (upgrade: false)'))
    if (handedOverTo !== undefined) return Promise.resolve(refuse(`this process has handed over to pid ${handedOverTo}`))
    if (isUpgrading) return Promise.resolve(refuse('an upgrade is already in progress'))
    if (!host.isRunning()) return Promise.resolve(refuse('the runner is not running (starting, draining or stopped)'))
    if (parentPid !== undefined && isAlive(parentPid)) return Promise.resolve(refuse(`the previous generation (pid ${parentPid}) is still draining`))
    isUpgrading = true
    return handOver().finally(() => { isUpgrading = false })
  }

  async function handOver (): Promise<UpgradeOutcome> {
    const begin = performance.now()
    const outcome = await attemptHandover()
    host.upgraded(outcome, performance.now() - begin)
    return outcome
  }

  async function attemptHandover (): Promise<UpgradeOutcome> {
    await notifier.notify({ RELOADING: 1, MONOTONIC_USEC: monotonicMicroseconds() })
    let outcome: UpgradeOutcome
    try {
      await host.beforeUpgrade()
      outcome = await upgrader.upgrade()
    } catch (err) {
      outcome = { ok: false, reason: `upgrade hook failed: ${(err as Error).message}` }
    }
    if (!outcome.ok || !host.isRunning()) {
      const reason = outcome.ok ? 'shutdown began during the upgrade' : outcome.reason
      log.error({ reason }, 'upgrade failed')
      await notifier.notify({ READY: 1, STATUS: `upgrade failed: ${reason}; ${host.summary()}` })
      return { ok: false, reason }
    }
    handedOverTo = outcome.pid
    // The new process serves from here on: a PID file we cannot write must not stop the handover.
    await writePidFileOrLog(outcome.pid)
    await notifier.notify({ MAINPID: outcome.pid, READY: 1, STATUS: `handed over to pid ${outcome.pid}` })
    log.info({ newPid: outcome.pid, generation: generation + 1 }, 'upgrade handed over, draining')
    // The same graceful path as a signal: drain, stop every service, exit 0.
    handlers?.close()
    return outcome
  }

  async function writePidFileOrLog (pid: number): Promise<void> {
    if (options.pidFile === undefined) return
    try {
      await writePidFile(options.pidFile, pid)
    } catch (err) {
      log.error({ err, path: options.pidFile }, 'pid file not written')
    }
  }

  return {
    generation,
    async started () {
      // Our parent, once it hears from us, writes the PID file and tells systemd.
      const isReported = parentPid !== undefined && await reportReadyToParent()
      if (!isReported) {
        // A parent killed before the handover leaves this process the only generation: it says so itself.
        if (parentPid !== undefined) log.warn({ parentPid }, 'upgrade parent gone before the handover, serving alone')
        await writePidFileOrLog(process.pid)
        await notifier.notify({ ...(parentPid === undefined ? {} : { MAINPID: process.pid }), READY: 1, STATUS: host.summary() })
      }
      notifier.startWatchdog(host.isHealthy)
    },
    async stopping () {
      await upgrader.abort()
      // After a handover the new process is the service: systemd must not see it stopping.
      if (handedOverTo === undefined) await notifier.notify({ STOPPING: 1, STATUS: 'stopping' })
      return { idleGrace: handedOverTo === undefined ? options.shutdown.idleGrace : UPGRADE_IDLE_GRACE }
    },
    stopped () {
      notifier.close()
      handlers?.uninstall()
      handlers = undefined
    },
    upgrade,
    isExiting: () => handlers?.isExiting === true,
    exit (code, reason) {
      handlers?.close(code, reason)
    },
  }
}

/** Before any service boots, what started() needs: a PID file that can be written (FSR_ERR_PID_FILE). */
export async function checkBeforeStart (options: ResolvedRunnerOptions): Promise<void> {
  // In a new generation the parent writes the PID file: a problem there must not fail the upgrade.
  if (options.pidFile === undefined || readGeneration().parentPid !== undefined) return
  await checkPidFile(options.pidFile)
}

/**
 * Whether `pid` is a live process. A zombie (exited, not yet reaped: an old generation whose own
 * parent is gone) counts as gone; Linux shows it in /proc, elsewhere signal 0 has to do.
 */
export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true
  }
}

function monotonicMicroseconds (): string {
  return (process.hrtime.bigint() / 1000n).toString()
}
