// The runner's own figures as OpenTelemetry metrics, with the names and meaning of their Prometheus
// counterparts (docs/metrics.md): states, health, transitions, restarts, status, readiness, requests
// in flight, health checks and the drain. The state-like ones are observed at each export.
import type { Counter, Gauge, Histogram, Meter } from '@opentelemetry/api'
import type { DrainFigures, LifecycleTransition, RestartEvent, Runner, RunnerStatus } from '../../types/index.ts'

const STATUSES: readonly RunnerStatus[] = ['created', 'starting', 'running', 'draining', 'stopping', 'stopped']
const TRANSITION_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60]
const CHECK_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5]

/** Made once the SDK is loaded; the telemetry plugin's hooks (added before start) feed it. */
export class RunnerMetrics {
  readonly #transitions: Histogram
  readonly #restarts: Counter
  // The reason of each service's restart under way, from its policy's decision, until it begins.
  readonly #restartReasons = new Map<string, string>()
  readonly #checks: Histogram
  readonly #checkFailures: Counter
  readonly #drainSeconds: Gauge
  readonly #destroyedSockets: Gauge

  constructor (runner: Runner, meter: Meter) {
    meter.createObservableGauge('fsr_service_state', { description: 'Lifecycle state of each service: one series per service, for its current state, at 1' })
      .addCallback((result) => {
        for (const { name, state } of runner.states()) result.observe(1, { service: name, state })
      })
    meter.createObservableGauge('fsr_service_health', { description: 'Health of each service: one series per service, for its current status, at 1' })
      .addCallback((result) => {
        for (const [service, entry] of Object.entries(runner.health().services)) result.observe(1, { service, status: entry.status })
      })
    meter.createObservableGauge('fsr_runner_status', { description: 'Status of the runner: 1 for the current status, 0 for the others' })
      .addCallback((result) => {
        for (const status of STATUSES) result.observe(runner.status === status ? 1 : 0, { status })
      })
    meter.createObservableGauge('fsr_runner_ready', { description: '1 while the runner is ready (started, not draining), else 0' })
      .addCallback((result) => result.observe(runner.isReady ? 1 : 0))
    meter.createObservableGauge('fsr_http_requests_in_flight', { description: 'Requests of the main server being answered' })
      .addCallback((result) => result.observe(runner.inFlightRequests))
    this.#transitions = meter.createHistogram('fsr_lifecycle_transition_duration_seconds', {
      description: 'Time services spent in a lifecycle state before moving on',
      unit: 's',
      advice: { explicitBucketBoundaries: TRANSITION_BUCKETS },
    })
    this.#restarts = meter.createCounter('fsr_service_restarts_total', { description: 'Restarts of each service, by how the life before ended (reason)' })
    this.#checks = meter.createHistogram('fsr_health_check_duration_seconds', {
      description: 'Duration of the passive health checks of every service',
      unit: 's',
      advice: { explicitBucketBoundaries: CHECK_BUCKETS },
    })
    this.#checkFailures = meter.createCounter('fsr_health_check_failures_total', { description: 'Passive health checks that threw, timed out or returned something that is not a status' })
    this.#drainSeconds = meter.createGauge('fsr_shutdown_drain_seconds', { description: 'How long the main server took to drain in the shutdown under way', unit: 's' })
    this.#destroyedSockets = meter.createGauge('fsr_shutdown_destroyed_sockets', { description: 'Sockets destroyed at the drain deadline in the shutdown under way' })
  }

  onRestart ({ service, decision, reason }: RestartEvent): void {
    if (decision === 'restart') this.#restartReasons.set(service, reason)
  }

  onTransition ({ service, from, to, duration }: LifecycleTransition): void {
    if (from === undefined) return
    this.#transitions.record(duration / 1000, { from, to })
    if (to === 'initiating') {
      this.#restarts.add(1, { service, reason: this.#restartReasons.get(service) ?? 'unknown' })
      this.#restartReasons.delete(service)
    }
  }

  onHealthCheck (service: string, duration: number, isFailure: boolean): void {
    this.#checks.record(duration / 1000)
    if (isFailure) this.#checkFailures.add(1, { service })
  }

  onDrain ({ duration, destroyedSockets }: DrainFigures): void {
    this.#drainSeconds.record(duration / 1000)
    this.#destroyedSockets.record(destroyedSockets)
  }
}
