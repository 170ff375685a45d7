// The runner's own metrics: state and health per service, lifecycle transition durations,
// restarts, the runner's status and readiness, and the main server's requests in flight (drain).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { Runner, RunnerStatus } from '../../types/index.ts'
import { HistogramSeries, registerHistogram } from './histogram.ts'
import { registerScrapedMetric, type Sample } from './scraped-metric.ts'

const STATUSES: readonly RunnerStatus[] = ['created', 'starting', 'running', 'draining', 'stopping', 'stopped']
const TRANSITION_BUCKETS = Object.freeze([0.001, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60])

// Per service: one line of state, one of health, one of restarts; state and health are made at
// scrape time, with nothing kept. Durations are histograms of the whole process: with a service
// label they made most of a scrape (see docs/metrics.md); `/services` has each service's timeline.
export function createRunnerMetrics (runner: Runner, registry: Registry): void {
  const registers = [registry]

  // Only the current state, at 1: a 0 for each other state was seven lines in eight of the output.
  registerScrapedMetric(registry, {
    name: 'fsr_service_state',
    help: 'Lifecycle state of each service: one series per service, for its current state, at 1',
    type: 'gauge',
    samples: () => runner.states().map(({ name, state }) => ({ labels: { service: name, state }, value: 1 })),
    reset () {},
  })

  registerScrapedMetric(registry, {
    name: 'fsr_service_health',
    help: 'Health of each service: one series per service, for its current status, at 1',
    type: 'gauge',
    samples: () => Object.entries(runner.health().services).map(([service, entry]) => ({ labels: { service, status: entry.status }, value: 1 })),
    reset () {},
  })

  // from -> to -> series, kept as counts (a prom-client Histogram hashes the labels of every
  // observation). Keyed by the state names themselves: a `from>to` key made per transition was
  // hashed anew every time, most of what the metrics cost a start with many services.
  const transitions = new Map<string, Map<string, HistogramSeries>>()
  registerHistogram(registry, {
    name: 'fsr_lifecycle_transition_duration_seconds',
    help: 'Time services spent in a lifecycle state before moving on',
    buckets: TRANSITION_BUCKETS,
    * series () {
      for (const byTarget of transitions.values()) yield * byTarget.values()
    },
    reset () { transitions.clear() },
  })

  // Every service that has begun to start (a line at 0 each), and service -> reason -> restarts for
  // those that restarted: made into lines at scrape time like state and health (a prom-client
  // Counter hashed the labels of every service's line at 0 as it started).
  const started: string[] = []
  const restarts = new Map<string, Map<string, number>>()
  registerScrapedMetric(registry, {
    name: 'fsr_service_restarts_total',
    help: 'Restarts of each service, by how the life before ended (reason)',
    type: 'counter',
    samples () {
      const samples: Sample[] = []
      for (const service of started) {
        samples.push({ labels: { service }, value: 0 })
        for (const [reason, count] of restarts.get(service) ?? []) samples.push({ labels: { service, reason }, value: count })
      }
      return samples
    },
    reset () {
      started.length = 0
      restarts.clear()
    },
  })
  // The reason of each service's restart under way, from its policy's decision, until it begins.
  const restartReasons = new Map<string, string>()
  runner.addHook('onRestart', ({ service, decision, reason }) => {
    if (decision === 'restart') restartReasons.set(service, reason)
  })

  runner.addHook('onTransition', ({ service, from, to, duration }) => {
    // A service's first transition: its restarts appear, at 0 until it restarts.
    if (from === undefined) {
      started.push(service)
      return
    }
    let byTarget = transitions.get(from)
    if (byTarget === undefined) transitions.set(from, byTarget = new Map())
    let series = byTarget.get(to)
    if (series === undefined) byTarget.set(to, series = new HistogramSeries(TRANSITION_BUCKETS, { from, to }))
    series.observe(duration / 1000)
    if (to === 'initiating') {
      const reason = restartReasons.get(service) ?? 'unknown'
      let reasons = restarts.get(service)
      if (reasons === undefined) restarts.set(service, reasons = new Map())
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
      restartReasons.delete(service)
    }
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
    help: 'Duration of the passive health checks of every service',
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
    checks.observe(duration / 1000)
    if (isFailure) checkFailures.inc({ service })
  })

  const drainSeconds = new Gauge({ name: 'fsr_shutdown_drain_seconds', help: 'How long the main server took to drain in the shutdown under way', registers })
  const destroyedSockets = new Gauge({ name: 'fsr_shutdown_destroyed_sockets', help: 'Sockets destroyed at the drain deadline in the shutdown under way', registers })
  runner.addHook('onDrain', ({ duration, destroyedSockets: destroyed }) => {
    drainSeconds.set(duration / 1000)
    destroyedSockets.set(destroyed)
  })
}
