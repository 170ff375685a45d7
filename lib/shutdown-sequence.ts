// The graceful stop of a started runner, in order: the process hears it (systemd, the upgrade),
// the services' drain hooks begin, the main server drains, services stop in reverse order (the
// app's close), the afterStop hooks run last (the admin server closes there), all bounded by the
// shutdown deadline. Its rejection carries the exit code.
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { ResolvedRunnerOptions, RunnerStatus } from '../types/index.ts'
import type { DrainOutcome, ServerDrain } from './drain-server.ts'
import { FSR_ERR_SHUTDOWN_TIMEOUT, FSR_ERR_UNCLEAN_STOP } from './errors.ts'
import { ExitCode } from './exit-codes.ts'
import type { ManagedService } from './managed-service.ts'
import type { ProcessControl } from './process-control.ts'
import type { HookRegistry } from './runner-hooks.ts'
import { withTimeout } from './timeout.ts'

export interface ShutdownHost {
  readonly log: Logger
  readonly options: ResolvedRunnerOptions['shutdown']
  readonly app: FastifyInstance
  readonly drain: ServerDrain
  readonly hooks: HookRegistry
  readonly services: ReadonlyMap<string, ManagedService>
  readonly control: ProcessControl | undefined
  /** False when the stop came before any service loaded (during the prestart pipeline): nothing to drain or close. */
  readonly hasLoaded: boolean
  status (): RunnerStatus
  /** Moves the runner's status as the sequence goes (`stopping` once the drain is over, then `stopped`). */
  setStatus (status: RunnerStatus): void
}

type DestroyedSocket = DrainOutcome['destroyed'][number]

/** Stops a runner that has started (or begun to). Rejects with FSR_ERR_SHUTDOWN_TIMEOUT or FSR_ERR_UNCLEAN_STOP. */
export async function runShutdown (host: ShutdownHost): Promise<void> {
  const { log, options, app, drain, control } = host
  const { drainDelay, drainTimeout, idleGrace: shutdownIdleGrace, timeout } = options
  log.info({ drainDelay, drainTimeout, timeout }, 'shutdown started')
  const destroyed: DestroyedSocket[] = []
  const noteDestroyed = (outcome: DrainOutcome): void => {
    if (outcome.destroyed.length > 0) log.warn({ sockets: outcome.destroyed }, 'drain deadline passed, sockets destroyed')
    destroyed.push(...outcome.destroyed)
  }
  // Stopped during the prestart pipeline: nothing loaded to drain or close, but systemd hears it all the same.
  const work = !host.hasLoaded ? (async () => { await control?.stopping() })() : (async () => {
    const { idleGrace } = await control?.stopping() ?? { idleGrace: shutdownIdleGrace }
    const drains: Array<Promise<void>> = []
    for (const service of host.services.values()) if (service.hasHook('drain')) drains.push(service.drain())
    const draining = Promise.all(drains)
    // Keep-alive clients hear `Connection: close` from now on, so they move on during the delay.
    drain.beginClosing()
    if (drainDelay > 0) await new Promise((resolve) => setTimeout(resolve, drainDelay))
    const isDraining = app.server.listening
    const begin = performance.now()
    if (isDraining) {
      const outcome = await drain.drain(drainTimeout, idleGrace)
      noteDestroyed(outcome)
      log.info({ duration: Math.round(performance.now() - begin) }, 'main server drained')
      host.hooks.call('onDrain', { duration: performance.now() - begin, destroyedSockets: outcome.destroyed.length })
    }
    await draining
    host.setStatus('stopping')
    // WebSockets and event streams are closed by drain hooks and by the app's close (Fastify's own
    // close hook, before the services' stops, waits for them); what is left at the drain deadline is cut.
    const closeLongLived = async (): Promise<void> => {
      if (isDraining) noteDestroyed(await drain.closeLongLived(Math.max(0, begin + drainTimeout - performance.now())))
    }
    await Promise.all([app.close(), closeLongLived()])
  })()
  try {
    await withTimeout(work, timeout, () => shutdownTimeoutError(host, timeout))
  } finally {
    // The admin server closes here, last, so it answers during the whole shutdown.
    await host.hooks.afterStop()
  }
  host.setStatus('stopped')
  const failures: Error[] = []
  for (const service of host.services.values()) if (service.stopError !== undefined) failures.push(service.stopError)
  if (failures.length > 0 || destroyed.length > 0) {
    const reasons = failures.map((failure) => failure.message)
    if (destroyed.length > 0) reasons.push(`${destroyed.length} connections destroyed at the drain deadline`)
    const err = new FSR_ERR_UNCLEAN_STOP(reasons.join('; '))
    throw Object.assign(err, { errors: failures, destroyed, exitCode: ExitCode.UNCLEAN_STOP })
  }
  log.info('runner stopped')
}

/** Names the services still stopping and the kinds of handles still open. */
function shutdownTimeoutError (host: ShutdownHost, timeout: number): Error {
  const pending: string[] = []
  for (const service of host.services.values()) {
    const { state } = service.lifecycle
    // A service still starting holds the stop too (its init or ready ignored ctx.signal).
    if (state === 'shutting-down' || state === 'running' || state === 'initiating' || state === 'starting') pending.push(service.spec.name)
  }
  const handles: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1
  const err = new FSR_ERR_SHUTDOWN_TIMEOUT(timeout, pending.length === 0 ? '(no service)' : pending.join(', '))
  host.log.error({ services: pending, handles, status: host.status() }, 'shutdown deadline passed')
  return Object.assign(err, { services: pending, handles, exitCode: ExitCode.SHUTDOWN_TIMEOUT })
}
