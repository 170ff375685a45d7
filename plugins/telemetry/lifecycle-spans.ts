// The runner's lifecycle as spans, from the runner's hooks: one `boot` trace with a child per
// service's init and ready, one `restart <service>` trace per restart (its stop, init and ready as
// children), one `shutdown` trace with the drain and each service's stop, one `upgrade` trace per
// handover attempt. A slow boot or stop shows as a long child named after the culprit.
import { ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api'
import type { DrainFigures, LifecycleTransition, RestartEvent, UpgradeOutcome } from '../../types/index.ts'

/** The attribute naming the service a span is about. */
export const SERVICE_ATTRIBUTE = 'fsr.service'

function fail (span: Span, error: Error | undefined): void {
  if (error !== undefined) span.recordException(error)
  span.setStatus({ code: SpanStatusCode.ERROR, ...(error === undefined ? {} : { message: error.message }) })
}

export class LifecycleSpans {
  readonly #tracer: Tracer
  #boot: Span | undefined
  #shutdown: Span | undefined
  #upgrade: Span | undefined
  /** The phase (init, ready, stop) each service is in. */
  readonly #phases = new Map<string, Span>()
  /** The restart under way of each service, from its policy's decision until it runs again. */
  readonly #restarts = new Map<string, Span>()

  constructor (tracer: Tracer) {
    this.#tracer = tracer
  }

  #start (name: string, parent: Span | undefined, attributes: Attributes): Span {
    const parentContext = parent === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, parent)
    return this.#tracer.startSpan(name, { root: parent === undefined, attributes }, parentContext)
  }

  beginBoot (): void {
    this.#boot = this.#start('boot', undefined, {})
  }

  /** The boot is over: every service loaded (or the start failed, or a stop came first). */
  endBoot (error?: Error): void {
    if (this.#boot === undefined) return
    if (error !== undefined) fail(this.#boot, error)
    this.#boot.end()
    this.#boot = undefined
  }

  beginShutdown (): void {
    // A stop during the boot, or after a service failed to start: the boot did not end well.
    if (this.#boot !== undefined) this.#boot.setStatus({ code: SpanStatusCode.ERROR, message: 'stopped before every service had started' })
    this.endBoot()
    this.#shutdown = this.#start('shutdown', undefined, {})
  }

  /** `onDrain` comes once the drain is over: its span starts `duration` ago. */
  drained ({ duration, destroyedSockets }: DrainFigures): void {
    const now = Date.now()
    const span = this.#tracer.startSpan('drain', {
      startTime: now - duration,
      attributes: { 'fsr.drain.destroyed_sockets': destroyedSockets },
    }, this.#shutdown === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, this.#shutdown))
    if (destroyedSockets > 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `${destroyedSockets} sockets destroyed at the drain deadline` })
    span.end(now)
  }

  /** The old process's side of an upgrade, from its hooks until the new process is ready (or failed). */
  beginUpgrade (): void {
    this.#upgrade = this.#start('upgrade', undefined, {})
  }

  endUpgrade (outcome: UpgradeOutcome): void {
    const span = this.#upgrade
    if (span === undefined) return
    if (outcome.ok) span.setAttribute('fsr.upgrade.pid', outcome.pid)
    else span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.reason })
    span.end()
    this.#upgrade = undefined
  }

  /** Ends every span still open (a restart waiting out its backoff, a boot cut short), the shutdown last. */
  endShutdown (): void {
    for (const span of [...this.#phases.values(), ...this.#restarts.values()]) span.end()
    this.#phases.clear()
    this.#restarts.clear()
    this.endBoot()
    this.#shutdown?.end()
    this.#shutdown = undefined
  }

  onTransition ({ service, to, error }: LifecycleTransition): void {
    const current = this.#phases.get(service)
    if (current !== undefined) {
      if (to === 'failed') fail(current, error)
      current.end()
      this.#phases.delete(service)
    }
    const restart = this.#restarts.get(service)
    const parent = restart ?? this.#shutdown ?? this.#boot
    const attributes = { [SERVICE_ATTRIBUTE]: service }
    switch (to) {
      case 'initiating': this.#phases.set(service, this.#start(`init ${service}`, parent, attributes)); break
      case 'starting': this.#phases.set(service, this.#start(`ready ${service}`, parent, attributes)); break
      case 'shutting-down': this.#phases.set(service, this.#start(`stop ${service}`, parent, attributes)); break
      case 'running':
      case 'completed':
        restart?.end()
        this.#restarts.delete(service)
        break
      default: break
    }
  }

  onRestart ({ service, decision, reason, attempt, delay }: RestartEvent): void {
    // A restart decided while the previous one had not brought the service back: that one failed.
    const previous = this.#restarts.get(service)
    if (previous !== undefined) {
      fail(previous, undefined)
      previous.end()
      this.#restarts.delete(service)
    }
    const attributes: Attributes = { [SERVICE_ATTRIBUTE]: service, 'fsr.restart.reason': reason, 'fsr.restart.attempt': attempt }
    if (decision === 'restart') {
      this.#restarts.set(service, this.#start(`restart ${service}`, undefined, { ...attributes, 'fsr.restart.delay_ms': delay ?? 0 }))
      return
    }
    const span = this.#start(`give up ${service}`, undefined, attributes)
    fail(span, undefined)
    span.end()
  }
}
