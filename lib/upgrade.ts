// Zero-downtime self-upgrade with tableflip's semantics: spawn the same program, hand it the
// listening sockets as inherited descriptors (LISTEN_FDS), wait until it says it is ready, and
// only then let the old generation drain and leave. A child that fails is stopped; we keep serving.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import type { Server } from 'node:net'
import type { Logger } from 'pino'
import type { UpgradeOutcome } from '../types/index.ts'
import { LISTEN_FDS_START } from './inherited-sockets.ts'

/** Environment a child generation reads to know it was started by an upgrade. */
export const GENERATION_ENV = 'FSR_UPGRADE_GENERATION'
export const PARENT_PID_ENV = 'FSR_UPGRADE_PARENT_PID'
const READY_MESSAGE = 'fsr:upgrade-ready'

/** A listening server to hand over, named as in LISTEN_FDNAMES. */
export interface HandoverSocket {
  readonly name: string
  readonly server: Server
}

export interface UpgraderOptions {
  readonly log: Logger
  /** How long the child may take to boot and report ready, ms; 0 = no limit. */
  readonly timeout: number
  /** How long a failed child gets between SIGTERM and SIGKILL, ms. */
  readonly killGrace?: number
  readonly generation: number
  readonly sockets: () => readonly HandoverSocket[]
}

/** This process's place in the chain of upgrades: generation 0 was not started by an upgrade. */
export function readGeneration (env: Readonly<Record<string, string | undefined>> = process.env): { generation: number, parentPid: number | undefined } {
  const generation = Number(env[GENERATION_ENV] ?? 0)
  const parentPid = Number(env[PARENT_PID_ENV])
  return {
    generation: Number.isInteger(generation) && generation > 0 ? generation : 0,
    parentPid: Number.isInteger(parentPid) && parentPid > 0 ? parentPid : undefined,
  }
}

/**
 * In a child generation: tells the parent, over the channel it opened, that every service runs.
 * Resolves false when the message could not be delivered: the channel is gone with the parent.
 */
export function reportReadyToParent (): Promise<boolean> {
  delete process.env[PARENT_PID_ENV]
  if (typeof process.send !== 'function' || !process.connected) return Promise.resolve(false)
  return new Promise((resolve) => {
    process.send?.({ type: READY_MESSAGE, pid: process.pid }, undefined, undefined, (err: Error | null) => {
      // The channel was only for this message; keeping it would tie our life to the parent's.
      if (process.connected) process.disconnect()
      resolve(err === null || err === undefined)
    })
  })
}

// Node has no public way to read a listening server's descriptor; when it is not there the upgrade is
// refused rather than guessed at. Every upgrade test goes through it.
function descriptorOf (server: Server): number | undefined {
  const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd
  return typeof fd === 'number' && fd >= 0 ? fd : undefined
}

export class Upgrader {
  #options: UpgraderOptions
  #child: ChildProcess | undefined
  // Set by abort(): this process is shutting down, so no new generation may be left behind.
  #isClosed = false

  constructor (options: UpgraderOptions) {
    this.#options = options
  }

  /** Spawns the next generation with our sockets and waits for it to be ready. */
  async upgrade (): Promise<UpgradeOutcome> {
    const { log, timeout, generation } = this.#options
    if (this.#isClosed) return { ok: false, reason: 'shutdown began during the upgrade' }
    const sockets = this.#options.sockets()
    const fds = sockets.map((socket) => descriptorOf(socket.server))
    if (sockets.length === 0 || fds.some((fd) => fd === undefined)) {
      return { ok: false, reason: 'no listening socket with a file descriptor to hand over' }
    }
    const env: Record<string, string | undefined> = {
      ...process.env,
      LISTEN_FDS: String(sockets.length),
      LISTEN_FDNAMES: sockets.map((socket) => socket.name).join(':'),
      [GENERATION_ENV]: String(generation + 1),
      [PARENT_PID_ENV]: String(process.pid),
    }
    // The child's pid is unknown before spawn: a shell sets LISTEN_PID (and WATCHDOG_PID, when
    // systemd's watchdog is on) to its own pid, then execs the program, which keeps that pid.
    const watchdog = process.env.WATCHDOG_USEC === undefined ? '' : ' WATCHDOG_PID=$$; export WATCHDOG_PID;'
    const script = `LISTEN_PID=$$; export LISTEN_PID;${watchdog} exec "$@"`
    const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1)]
    let child: ChildProcess
    try {
      child = spawn('/bin/sh', ['-c', script, 'fsr-upgrade', ...argv], {
        env,
        stdio: ['inherit', 'inherit', 'inherit', ...fds as number[], 'ipc'],
      })
    } catch (err) {
      return { ok: false, reason: `new process could not be started: ${(err as Error).message}` }
    }
    this.#child = child
    log.info({ newPid: child.pid, generation: generation + 1, sockets: sockets.map((s, i) => `${s.name}=fd${LISTEN_FDS_START + i}`) }, 'upgrade started')

    let outcome = await this.#awaitReady(child, timeout)
    if (outcome.ok && this.#isClosed) outcome = { ok: false, reason: 'shutdown began during the upgrade' }
    if (outcome.ok) {
      child.unref()
      child.disconnect?.()
      this.#child = undefined
      return outcome
    }
    await this.#stopChild(child)
    this.#child = undefined
    return outcome
  }

  /** Stops a child still booting (when this process is told to shut down during an upgrade). */
  async abort (): Promise<void> {
    this.#isClosed = true
    if (this.#child !== undefined) await this.#stopChild(this.#child)
  }

  #awaitReady (child: ChildProcess, timeout: number): Promise<UpgradeOutcome> {
    return new Promise((resolve) => {
      const finish = (outcome: UpgradeOutcome): void => {
        clearTimeout(timer)
        child.off('message', onMessage)
        child.off('exit', onExit)
        child.off('disconnect', onDisconnect)
        child.off('error', onError)
        resolve(outcome)
      }
      const onMessage = (message: unknown): void => {
        if ((message as { type?: unknown } | null)?.type === READY_MESSAGE) finish({ ok: true, pid: child.pid as number })
      }
      const onExit = (code: number | null, signal: string | null): void => finish({ ok: false, reason: `new process exited (${signal ?? `code ${code}`}) before it was ready` })
      // A process that exits closes its channel first: give its exit a moment to tell the reason.
      const onDisconnect = (): void => {
        setTimeout(() => finish({ ok: false, reason: 'new process closed the readiness channel before it was ready' }), 1_000).unref()
      }
      const onError = (err: Error): void => finish({ ok: false, reason: `new process could not be started: ${err.message}` })
      // 0 means no limit, as for every other timeout of the runner.
      const timer = timeout === 0 ? undefined : setTimeout(() => finish({ ok: false, reason: `new process was not ready within ${timeout} ms` }), timeout)
      child.on('message', onMessage)
      child.once('exit', onExit)
      child.once('disconnect', onDisconnect)
      child.once('error', onError)
    })
  }

  async #stopChild (child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    const killGrace = this.#options.killGrace ?? 5_000
    const timer = setTimeout(() => child.kill('SIGKILL'), killGrace)
    await exited
    clearTimeout(timer)
  }
}
