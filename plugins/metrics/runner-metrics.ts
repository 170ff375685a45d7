// The runner's own metrics: state and health per service, lifecycle transition durations,
// restarts, the runner's status and readiness, and the main server's requests in flight (drain).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { LifecycleState, Runner, RunnerStatus } from '../../types/index.ts'
import { readHealth } from '../admin/read-health.ts'
import { HistogramSeries, registerHistogram } from './histogram.ts'

const STATES: ReadonlyArray<LifecycleState | 'registered'> = ['registered', 'initiating', 'initiated', 'starting', 'running', 'shutting-down', 'stopped', 'failed']
const HEALTH = ['healthy', 'degraded', 'unhealthy', 'unknown'] as const
const STATUSES: readonly RunnerStatus[] = ['created', 'starting', 'running', 'draining', 'stopping', 'stopped']
const TRANSITION_BUCKETS = Object.freeze([0.001, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60])

export function createRunnerMetrics (runner: Runner, registry: Registry): void {
  const registers = [registry]

  new Gauge({
    name: 'fsr_service_state',
    help: 'Lifecycle state of each service: 1 for the current state, 0 for the others',
    labelNames: ['service', 'state'],
    registers,
    collect () {
      this.reset()
      for (const snapshot of runner.states()) {
        for (const state of STATES) this.set({ service: snapshot.name, state }, snapshot.state === state ? 1 : 0)
      }
    },
  })

  new Gauge({
    name: 'fsr_service_health',
    help: 'Health of each service: 1 for the current status, 0 for the others',
    labelNames: ['service', 'status'],
    registers,
    collect () {
      this.reset()
      for (const [service, view] of Object.entries(readHealth(runner).services)) {
        for (const status of HEALTH) this.set({ service, status }, view.health === status ? 1 : 0)
      }
    },
  })

  // service -> `from>to` -> series: five for every service that starts and stops, kept as counts
  // (a prom-client Histogram would copy a bucket object for each, at every start).
  const transitions = new Map<string, Map<string, HistogramSeries>>()
  registerHistogram(registry, {
    name: 'fsr_lifecycle_transition_duration_seconds',
    help: 'Time each service spent in a lifecycle state before moving on',
    buckets: TRANSITION_BUCKETS,
    * series () {
      for (const byMove of transitions.values()) yield * byMove.values()
    },
    reset () { transitions.clear() },
  })

  const restarts = new Counter({
    name: 'fsr_service_restarts_total',
    help: 'Restarts of each service',
    labelNames: ['service'],
    registers,
    collect () {
      // Every service appears, at 0 until it restarts.
      for (const { name } of runner.states()) this.inc({ service: name }, 0)
    },
  })

  runner.addHook('onTransition', ({ service, from, to, duration }) => {
    if (from === undefined) return
    let byMove = transitions.get(service)
    if (byMove === undefined) transitions.set(service, byMove = new Map())
    const move = `${from}>${to}`
    let series = byMove.get(move)
    if (series === undefined) byMove.set(move, series = new HistogramSeries(TRANSITION_BUCKETS, { service, from, to }))
    series.observe(duration / 1000)
    if (to === 'initiating') restarts.inc({ service })
  })

  new Gauge({
    name: 'fsr_runner_status',
    help: 'Status of the runner: 1 for the current status, 0 for the others',
    labelNames: ['status'],
    registers,
    collect () {
      for (const status of STATUSES) this.set({ status }, runner.status === status ? 1 : 0)
    },
  })

  new Gauge({
    name: 'fsr_runner_ready',
    help: '1 while the runner is ready (started, not draining), else 0',
    registers,
    collect () { this.set(runner.isReady ? 1 : 0) },
  })

  // Requests in flight on the main server: what a drain is waiting for. Counted by the runner's
  // drain tracking already, read at scrape time: no hook on the request path.
  new Gauge({
    name: 'fsr_http_requests_in_flight',
    help: 'Requests of the main server being answered',
    registers,
    collect () { this.set(runner.inFlightRequests) },
  })

  const checks = new Histogram({
    name: 'fsr_health_check_duration_seconds',
    help: 'Duration of the passive health checks of each service',
    labelNames: ['service'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers,
  })
  const checkFailures = new Counter({
    name: 'fsr_health_check_failures_total',
    help: 'Passive health checks that threw, timed out or returned something that is not a status',
    labelNames: ['service'],
    registers,
  })
  runner.addHook('onHealthCheck', (service, duration, isFailure) => {
    checks.observe({ service }, duration / 1000)
    if (isFailure) checkFailures.inc({ service })
  })

  const drainSeconds = new Gauge({ name: 'fsr_shutdown_drain_seconds', help: 'How long the main server took to drain in the shutdown under way', registers })
  const destroyedSockets = new Gauge({ name: 'fsr_shutdown_destroyed_sockets', help: 'Sockets destroyed at the drain deadline in the shutdown under way', registers })
  runner.addHook('onDrain', ({ duration, destroyedSockets: destroyed }) => {
    drainSeconds.set(duration / 1000)
    destroyedSockets.set(destroyed)
  })
}
