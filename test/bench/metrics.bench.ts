// What metrics cost: a `/metrics` scrape of the admin server with 5,000 services (against bare
// Fastify serving a prom-client registry that holds the same series, set once), and the main
// server's latency while /metrics is scraped back to back (against the same latency without
// scrapes). The throughput of request metrics is request-metrics.bench.ts.
import { fastify } from 'fastify'
import http from 'node:http'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { createRunner, defineService, type RunnerOptions } from '../../lib/index.ts'
import type { Benchmark, Row } from './benchmark.ts'
import { measure, median, type MeasureOptions } from './measure.ts'
import { formatNumber } from './print-table.ts'
import { isListening, killIfAlive, spawnProgram } from './spawn-program.ts'

const SERVICES = 5_000
const SCRAPE_RUNS: MeasureOptions = { warmup: 3, iterations: 21 }
const GOAL_SCRAPE_MS = 100
/** Rounds of the latency rows; each has a phase with scrapes and one without, in turn. */
const LATENCY_ROUNDS = 8
const LATENCY_PHASE_MS = 2_000
const GOAL_WAIT_MS = 50

/** Metrics and the admin server that serves them; no main server, no signal handlers, no log output. */
const SCRAPED: RunnerOptions = { server: false, signals: false, log: { level: 'silent' }, admin: { port: 0, host: '127.0.0.1' }, debug: false, pressure: false }

/** The series the runner keeps (plugins/metrics/runner-metrics.ts) for running, healthy services, set once by hand. */
function createStaticRegistry (names: readonly string[]): Registry {
  const registers = [new Registry()]
  collectDefaultMetrics({ register: registers[0] })
  const state = new Gauge({ name: 'fsr_service_state', help: 'Lifecycle state of each service', labelNames: ['service', 'state'], registers })
  const health = new Gauge({ name: 'fsr_service_health', help: 'Health of each service', labelNames: ['service', 'status'], registers })
  const restarts = new Counter({ name: 'fsr_service_restarts_total', help: 'Restarts of each service', labelNames: ['service'], registers })
  const transitions = new Histogram({
    name: 'fsr_lifecycle_transition_duration_seconds',
    help: 'Time services spent in a lifecycle state before moving on',
    labelNames: ['from', 'to'],
    buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  })
  new Histogram({ name: 'fsr_health_check_duration_seconds', help: 'Duration of the passive health checks of every service', buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers })
  for (const service of names) {
    state.set({ service, state: 'running' }, 1)
    health.set({ service, status: 'healthy' }, 1)
    restarts.inc({ service }, 0)
    transitions.observe({ from: 'initiating', to: 'initiated' }, 0.0001)
    transitions.observe({ from: 'initiated', to: 'starting' }, 0.0001)
    transitions.observe({ from: 'starting', to: 'running' }, 0.0001)
  }
  health.set({ service: 'process', status: 'healthy' }, 1)
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
      isMet: samples.ours.median < GOAL_SCRAPE_MS,
      note: `GET /metrics through inject(), median of ${SCRAPE_RUNS.iterations}; ours: the admin server of a runner with ${formatNumber(SERVICES)} services (metrics at defaults: process + request metrics, state and health gauges computed at scrape time); baseline: fastify() serving a prom-client registry with default metrics and the same series, set once; goal < ${GOAL_SCRAPE_MS} ms`,
    }
  } finally {
    await bare.close()
    await runner.stop()
  }
}

interface Answer {
  readonly status: number | undefined
  readonly bytes: number
}

/** GET over `agent`, reading the body to its end without keeping it. */
function get (port: number, path: string, agent: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let bytes = 0
      res.on('data', (chunk: Buffer) => { bytes += chunk.length })
      res.on('end', () => resolve({ status: res.statusCode, bytes }))
      res.on('error', reject)
    }).on('error', reject)
  })
}

/** Calls `once` back to back until `isDone()`; returns how long each call took. */
async function loop (isDone: () => boolean, once: () => Promise<void>): Promise<number[]> {
  const durations: number[] = []
  while (!isDone()) {
    const begin = performance.now()
    await once()
    durations.push(performance.now() - begin)
  }
  return durations
}

function percentile (values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil(sorted.length * fraction) - 1)]
}

interface Phase {
  readonly max: number
  readonly p99: number
  readonly requests: number
  /** Durations of the /metrics scrapes over HTTP in this phase (none without scrapes). */
  readonly scrapes: readonly number[]
}

/**
 * The main server's latency while its admin server's /metrics is scraped back to back, and without
 * scrapes: one client on one keep-alive connection sends GET /hello, each request after the last
 * answer, to a runner program with SERVICES services (a process of its own, every built-in on).
 */
async function measureLatency (): Promise<Row[]> {
  const program = spawnProgram('many-services-server.ts', { env: { FSR_PORT: '0', BENCH_SERVICES: String(SERVICES) } })
  const client = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const scraper = new http.Agent({ keepAlive: true, maxSockets: 1 })
  let failures = 0
  try {
    const { json } = await program.waitForLine(isListening, 60_000)
    const port = Number(json.port)
    const adminPort = Number(json.adminPort)
    const hello = async (): Promise<void> => {
      if ((await get(port, '/hello', client)).status !== 200) failures++
    }
    let body = 0
    const scrape = async (): Promise<void> => {
      const answer = await get(adminPort, '/metrics', scraper)
      if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}`)
      body = answer.bytes
    }
    const phase = async (isScraped: boolean): Promise<Phase> => {
      const until = performance.now() + LATENCY_PHASE_MS
      const isOver = (): boolean => performance.now() >= until
      const scraping = isScraped ? loop(isOver, scrape) : Promise.resolve([])
      const latencies = await loop(isOver, hello)
      const scrapes = await scraping
      return { max: Math.max(...latencies), p99: percentile(latencies, 0.99), requests: latencies.length, scrapes }
    }
    // Warm-up: the JIT of both servers' paths, and of this client.
    await phase(true)
    await phase(false)
    const scraped: Phase[] = []
    const quiet: Phase[] = []
    for (let round = 0; round < LATENCY_ROUNDS; round++) {
      // Who goes first alternates, so neither side always meets the fresher process.
      if (round % 2 === 0) scraped.push(await phase(true))
      quiet.push(await phase(false))
      if (round % 2 === 1) scraped.push(await phase(true))
    }
    const summary = (phases: readonly Phase[], pick: (phase: Phase) => number) => {
      const values = phases.map(pick)
      return { median: median(values), min: Math.min(...values), max: Math.max(...values), unit: 'ms' }
    }
    const worst = (pick: (phase: Phase) => number): string =>
      `${formatNumber(summary(scraped, pick).max)} / ${formatNumber(summary(quiet, pick).max)} ms`
    const scrapes = scraped.flatMap((each) => each.scrapes)
    const count = (value: number): string => Math.round(value).toLocaleString('en-US')
    const requests = (phases: readonly Phase[]): string => count(median(phases.map((each) => each.requests)))
    const how = `one keep-alive connection sending GET /hello to a runner program with ${formatNumber(SERVICES)} services (every built-in on, log silent), each request after the last answer, for ${LATENCY_PHASE_MS / 1000} s per phase, ${LATENCY_ROUNDS} rounds; ours: while /metrics of its admin server is fetched back to back over HTTP (${count(scrapes.length)} scrapes, median ${formatNumber(median(scrapes))} ms, ${formatNumber(body / 1024)} KiB); baseline: the same without scrapes; requests per phase ${requests(scraped)} / ${requests(quiet)}, ${failures} not 200`
    const byMax = summary(scraped, (each) => each.max)
    return [
      {
        label: 'longest main-server request while scraped',
        ours: byMax,
        baseline: summary(quiet, (each) => each.max),
        columns: { 'worst ours / baseline': worst((each) => each.max) },
        isMet: byMax.median < GOAL_WAIT_MS && failures === 0,
        note: `the longest request of each phase, median and min over the phases: ${how}; goal < ${GOAL_WAIT_MS} ms`,
      },
      {
        label: 'p99 main-server request while scraped',
        ours: summary(scraped, (each) => each.p99),
        baseline: summary(quiet, (each) => each.p99),
        columns: { 'worst ours / baseline': worst((each) => each.p99) },
        note: 'information only: as the row above, the 99th percentile of each phase',
      },
    ]
  } finally {
    client.destroy()
    scraper.destroy()
    killIfAlive(program.pid)
  }
}

export const benchmark: Benchmark = {
  name: 'metrics',
  goal: `/metrics with ${formatNumber(SERVICES)} services < ${GOAL_SCRAPE_MS} ms, and no main-server request waits > ${GOAL_WAIT_MS} ms while it is scraped`,
  async run () {
    const scrape = await measureScrape()
    const latency = await measureLatency()
    return [scrape, ...latency]
  },
}
