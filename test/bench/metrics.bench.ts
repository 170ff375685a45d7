// What metrics cost: a `/metrics` scrape of the admin server with 1,000 services (against bare
// Fastify serving a prom-client registry that holds the same series, set once), and the main
// server's throughput with metrics collection on (against bare Fastify on the same route).
import { fastify } from 'fastify'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { createRunner, defineService, type RunnerOptions } from '../../lib/index.ts'
import type { Benchmark, Row } from './benchmark.ts'
import { measure, type MeasureOptions } from './measure.ts'
import { compareThroughput, describeLoad, HELLO_LOAD, NO_LOGGER_BASELINE, PINNED_YOUNG_GENERATION, SAME_LOGGER, SAME_LOGGER_BASELINE, throughputRow } from './measure-throughput.ts'
import { formatNumber } from './print-table.ts'

const SERVICES = 1_000
const SCRAPE_RUNS: MeasureOptions = { warmup: 3, iterations: 15 }
const GOAL_THROUGHPUT_RATIO = 0.95

/** Metrics and the admin server that serves them; no main server, no signal handlers, no log output. */
const SCRAPED: RunnerOptions = { server: false, signals: false, log: { level: 'silent' }, admin: { port: 0, host: '127.0.0.1' }, debug: false, pressure: false }

/** The series the runner keeps per service (plugins/metrics/runner-metrics.ts), set once by hand. */
function createStaticRegistry (names: readonly string[]): Registry {
  const registers = [new Registry()]
  collectDefaultMetrics({ register: registers[0] })
  const state = new Gauge({ name: 'fsr_service_state', help: 'Lifecycle state of each service', labelNames: ['service', 'state'], registers })
  const health = new Gauge({ name: 'fsr_service_health', help: 'Health of each service', labelNames: ['service', 'status'], registers })
  const restarts = new Counter({ name: 'fsr_service_restarts_total', help: 'Restarts of each service', labelNames: ['service'], registers })
  const transitions = new Histogram({
    name: 'fsr_lifecycle_transition_duration_seconds',
    help: 'Time each service spent in a lifecycle state before moving on',
    labelNames: ['service', 'from', 'to'],
    buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  })
  for (const service of names) {
    for (const each of ['registered', 'initiating', 'initiated', 'starting', 'running', 'shutting-down', 'stopped', 'failed']) state.set({ service, state: each }, each === 'running' ? 1 : 0)
    for (const status of ['healthy', 'degraded', 'unhealthy', 'unknown']) health.set({ service, status }, status === 'healthy' ? 1 : 0)
    restarts.inc({ service }, 0)
    transitions.observe({ service, from: 'initiating', to: 'initiated' }, 0.0001)
    transitions.observe({ service, from: 'initiated', to: 'starting' }, 0.0001)
    transitions.observe({ service, from: 'starting', to: 'running' }, 0.0001)
  }
  const status = new Gauge({ name: 'fsr_runner_status', help: 'Status of the runner', labelNames: ['status'], registers })
  for (const each of ['created', 'starting', 'running', 'draining', 'stopping', 'stopped']) status.set({ status: each }, each === 'running' ? 1 : 0)
  new Gauge({ name: 'fsr_runner_ready', help: '1 while the runner is ready', registers }).set(1)
  new Gauge({ name: 'fsr_http_requests_in_flight', help: 'Requests of the main server being answered', registers }).set(0)
  return registers[0]
}

async function measureScrape (): Promise<Row> {
  const names = Array.from({ length: SERVICES }, (_, i) => `service-${i}`)
  const runner = createRunner(SCRAPED)
  for (const name of names) runner.register(defineService({ name }))
  await runner.start()
  const registry = createStaticRegistry(names)
  const bare = fastify()
  bare.get('/metrics', async (request, reply) => reply.type(registry.contentType).send(await registry.metrics()))
  await bare.ready()
  try {
    const admin = runner.admin
    if (admin === undefined) throw new Error('the admin server is off')
    const bytes = { ours: 0, baseline: 0 }
    const scrape = (app: typeof admin, side: keyof typeof bytes) => async (): Promise<void> => {
      const response = await app.inject({ method: 'GET', url: '/metrics' })
      if (response.statusCode !== 200) throw new Error(`${side}: /metrics answered ${response.statusCode}`)
      bytes[side] = response.rawPayload.length
    }
    const samples = await measure({ ours: scrape(admin, 'ours'), baseline: scrape(bare, 'baseline') }, SCRAPE_RUNS)
    const kib = (value: number): string => `${formatNumber(value / 1024)} KiB`
    return {
      label: `/metrics, ${formatNumber(SERVICES)} services`,
      ours: { median: samples.ours.median, min: samples.ours.min, unit: 'ms' },
      baseline: { median: samples.baseline.median, min: samples.baseline.min, unit: 'ms' },
      columns: { 'body ours / baseline': `${kib(bytes.ours)} / ${kib(bytes.baseline)}` },
      note: `information only: GET /metrics through inject(); ours: the admin server of a runner with ${SERVICES} services (metrics at defaults: process + request metrics, state and health gauges computed at scrape time); baseline: fastify() serving a prom-client registry with default metrics and the same per-service series, set once`,
    }
  } finally {
    await bare.close()
    await runner.stop()
  }
}

export const benchmark: Benchmark = {
  name: 'metrics',
  goal: `main-server throughput with metrics collection on >= ${GOAL_THROUGHPUT_RATIO}x bare Fastify (with the same logger); /metrics with ${formatNumber(SERVICES)} services shown against a static registry of the same series`,
  async run () {
    const scrape = await measureScrape()
    const silent = { log: { level: 'silent' } }
    const tuned = { nodeFlags: PINNED_YOUNG_GENERATION }
    const throughput = await compareThroughput({
      ours: { file: 'runner-server.ts', env: { BENCH_RUNNER_OPTIONS: JSON.stringify({ ...silent, debug: false, pressure: false }) }, ...tuned },
      builtins: { file: 'runner-server.ts', env: { BENCH_RUNNER_OPTIONS: JSON.stringify(silent) }, ...tuned },
      baseline: { file: 'fastify-server.ts', env: SAME_LOGGER, ...tuned },
      baselineNoLogger: { file: 'fastify-server.ts', ...tuned },
    }, HELLO_LOAD)
    const how = `${describeLoad(HELLO_LOAD)}; both sides run with node ${PINNED_YOUNG_GENERATION.join(' ')} (see measure-throughput.ts); baseline: ${SAME_LOGGER_BASELINE}`
    return [
      scrape,
      throughputRow('GET /hello, metrics on', throughput.ours, throughput.baseline, {
        goal: GOAL_THROUGHPUT_RATIO,
        columns: { 'body ours / baseline': '-' },
        note: `${how}; ours: createRunner program with metrics at their defaults (request + process metrics) and the admin server on, pressure and debug off, log silent; ratio goal >= ${GOAL_THROUGHPUT_RATIO}`,
      }),
      throughputRow('GET /hello, all built-ins on', throughput.builtins, throughput.baseline, {
        columns: { 'body ours / baseline': '-' },
        note: 'information only: as row 2 with every built-in at its default (admin, metrics, debug, pressure), log silent',
      }),
      throughputRow('as 2, baseline without logger', throughput.ours, throughput.baselineNoLogger, {
        columns: { 'body ours / baseline': '-' },
        note: `information only: ours as row 2; baseline: ${NO_LOGGER_BASELINE}`,
      }),
    ]
  },
}
