// What health costs: one `ctx.health.report()` fanned out to 1,000 subscribers (against an
// EventEmitter with 1,000 listeners emitting the same change), the CPU of 1,000 passive checks
// polled every second (against the same runner without checks), and the main server's throughput
// with pressure monitoring on, the createRunner default (against bare Fastify on the same route).
import { EventEmitter } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'
import { createRunner, defineService, type HealthChange, type RunnerOptions, type ServiceContext } from '../../lib/index.ts'
import type { Benchmark } from './benchmark.ts'
import { measure, median, type MeasureOptions } from './measure.ts'
import { compareThroughput, describeLoad, HELLO_LOAD, NO_LOGGER_BASELINE, PINNED_YOUNG_GENERATION, SAME_LOGGER, SAME_LOGGER_BASELINE, throughputRow } from './measure-throughput.ts'
import { createNullLogger } from './null-logger.ts'
import { formatNumber } from './print-table.ts'

const SUBSCRIBERS = 1_000
/** Reports per timed run (the delivery time is the run's time divided by this). */
const REPORTS_PER_RUN = 50
const DELIVERY_RUNS: MeasureOptions = { warmup: 5, iterations: 21 }
const SERVICES = 1_000
const POLL_INTERVAL_MS = 1_000
/** Untimed time after start: the first round of checks (at `running`) and its log lines. */
const POLL_SETTLE_MS = 1_500
const POLL_SECONDS = 5
const GOAL_DELIVERY_MS = 5
const GOAL_POLL_PERCENT = 5
const GOAL_THROUGHPUT_RATIO = 0.97

/** The core alone: no built-in plugin, no signal handlers, no main server. */
const CORE: RunnerOptions = { server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false }

/** Both sides' listener: reads the change, as a real subscriber would. */
function createCounter (): { listener: (change: HealthChange) => void, count: () => number } {
  let received = 0
  return { listener: (change) => { if (change.status !== 'unknown') received++ }, count: () => received }
}

/**
 * One service reports, SUBSCRIBERS listeners hear it. Reports alternate degraded / healthy so each
 * is a change (a repeat of the same status and reason is not delivered). Delivery is synchronous:
 * report() returns once every listener ran.
 */
async function measureDelivery (): Promise<{ ours: number[], baseline: number[] }> {
  let source: ServiceContext | undefined
  const runner = createRunner({ ...CORE, logger: createNullLogger('info') })
  runner.register(defineService({ name: 'source', init: (ctx) => { source = ctx } }))
  await runner.start()
  const ctx = source as ServiceContext
  const ours = createCounter()
  for (let i = 0; i < SUBSCRIBERS; i++) ctx.health.subscribe('source', ours.listener)
  const emitter = new EventEmitter()
  emitter.setMaxListeners(SUBSCRIBERS)
  const baseline = createCounter()
  for (let i = 0; i < SUBSCRIBERS; i++) emitter.on('change', baseline.listener)
  const entry = ctx.health.get()
  let flip = false
  const next = (): 'healthy' | 'degraded' => {
    flip = !flip
    return flip ? 'degraded' : 'healthy'
  }
  try {
    const samples = await measure({
      ours: async () => {
        for (let i = 0; i < REPORTS_PER_RUN; i++) ctx.health.report(next())
      },
      baseline: async () => {
        for (let i = 0; i < REPORTS_PER_RUN; i++) {
          const status = next()
          emitter.emit('change', Object.freeze({ ...entry, status, service: 'source', previous: status === 'healthy' ? 'degraded' : 'healthy' }))
        }
      },
    }, DELIVERY_RUNS)
    const expected = (DELIVERY_RUNS.warmup + DELIVERY_RUNS.iterations) * REPORTS_PER_RUN * SUBSCRIBERS
    // The current entry delivered at subscribe time counts too ('healthy' once running).
    if (ours.count() < expected || baseline.count() !== expected) {
      throw new Error(`deliveries: ours ${ours.count()}, baseline ${baseline.count()}, expected ${expected}`)
    }
    const perDelivery = (runs: readonly number[]): number[] => runs.map((ms) => ms / REPORTS_PER_RUN)
    return { ours: perDelivery(samples.ours.runs), baseline: perDelivery(samples.baseline.runs) }
  } finally {
    await runner.stop()
  }
}

interface CpuUse {
  /** Over the whole measurement, % of one core. */
  readonly percent: number
  /** Each second of it, % of one core (a second may hold one round of checks, or two). */
  readonly seconds: readonly number[]
}

/** CPU of this process over POLL_SECONDS with SERVICES services running, in % of one core. */
async function measurePollingCpu (withCheck: boolean): Promise<CpuUse> {
  const runner = createRunner({ ...CORE, logger: createNullLogger('info'), health: { interval: POLL_INTERVAL_MS } })
  for (let i = 0; i < SERVICES; i++) {
    runner.register(defineService({ name: `service-${i}`, ...(withCheck ? { check: () => 'healthy' as const } : {}) }))
  }
  await runner.start()
  try {
    await delay(POLL_SETTLE_MS)
    const usedSince = (cpu: NodeJS.CpuUsage, begin: number): number => {
      const { user, system } = process.cpuUsage(cpu)
      return ((user + system) / 1_000) / (performance.now() - begin) * 100
    }
    const whole = { cpu: process.cpuUsage(), begin: performance.now() }
    const seconds: number[] = []
    for (let second = 0; second < POLL_SECONDS; second++) {
      const cpu = process.cpuUsage()
      const begin = performance.now()
      await delay(1_000)
      seconds.push(usedSince(cpu, begin))
    }
    const percent = usedSince(whole.cpu, whole.begin)
    if (withCheck && runner.health().services['service-0']?.checkedAt === undefined) throw new Error('no check ran')
    return { percent, seconds }
  } finally {
    await runner.stop()
  }
}

export const benchmark: Benchmark = {
  name: 'health',
  goal: `one report to ${SUBSCRIBERS} subscribers < ${GOAL_DELIVERY_MS} ms; ${SERVICES} checks polled every second < ${GOAL_POLL_PERCENT} % of a core; main-server throughput with pressure monitoring >= ${GOAL_THROUGHPUT_RATIO}x bare Fastify (with the same logger)`,
  async run () {
    const delivery = await measureDelivery()
    const polling = await measurePollingCpu(true)
    const idle = await measurePollingCpu(false)
    const alone = { log: { level: 'silent' }, admin: false, metrics: false, debug: false }
    const tuned = { nodeFlags: PINNED_YOUNG_GENERATION }
    const throughput = await compareThroughput({
      ours: { file: 'runner-server.ts', env: { BENCH_RUNNER_OPTIONS: JSON.stringify(alone) }, ...tuned },
      baseline: { file: 'fastify-server.ts', env: SAME_LOGGER, ...tuned },
      baselineNoLogger: { file: 'fastify-server.ts', ...tuned },
      oursDefaultHeap: { file: 'runner-server.ts', env: { BENCH_RUNNER_OPTIONS: JSON.stringify(alone) } },
      baselineDefaultHeap: { file: 'fastify-server.ts', env: SAME_LOGGER },
    }, HELLO_LOAD)
    const how = `${describeLoad(HELLO_LOAD)}; baseline: ${SAME_LOGGER_BASELINE}`

    const toMicros = (values: readonly number[]): { median: number, min: number, unit: string } => ({ median: median(values) * 1000, min: Math.min(...values) * 1000, unit: 'µs' })
    const added = polling.percent - idle.percent
    return [
      {
        label: `report -> ${SUBSCRIBERS} subscribers`,
        ours: toMicros(delivery.ours),
        baseline: toMicros(delivery.baseline),
        isMet: median(delivery.ours) < GOAL_DELIVERY_MS,
        note: `ours: ctx.health.report() alternating degraded/healthy (each a change, logged at info/warn to /dev/null) with ${SUBSCRIBERS} ctx.health.subscribe() listeners; baseline: EventEmitter.emit() of a frozen change object to ${SUBSCRIBERS} listeners; time per report, all listeners called (${REPORTS_PER_RUN} reports per timed run)`,
      },
      {
        label: `${SERVICES} checks polled every ${POLL_INTERVAL_MS / 1000} s`,
        ours: { median: polling.percent, unit: '% core' },
        baseline: { median: idle.percent, unit: '% core' },
        isMet: added < GOAL_POLL_PERCENT,
        note: `process.cpuUsage() (user + system) over ${POLL_SECONDS} s after ${POLL_SETTLE_MS} ms of settling (each second: ours ${polling.seconds.map((value) => formatNumber(value)).join(' ')}, baseline ${idle.seconds.map((value) => formatNumber(value)).join(' ')}); ours: core runner (built-ins off, log info -> /dev/null) with ${SERVICES} services each with check: () => 'healthy', health.interval ${POLL_INTERVAL_MS}; baseline: the same runner and services without check. Goal on the difference: ${formatNumber(added)} % of a core (< ${GOAL_POLL_PERCENT})`,
      },
      throughputRow('GET /hello, pressure on', throughput.ours, throughput.baseline, {
        goal: GOAL_THROUGHPUT_RATIO,
        note: `${how}; both sides run with node ${PINNED_YOUNG_GENERATION.join(' ')} (see measure-throughput.ts); ours: createRunner program with pressure at its defaults (admin, metrics, debug off; log silent); ratio goal >= ${GOAL_THROUGHPUT_RATIO}`,
      }),
      throughputRow('as 3, V8 default heap sizing', throughput.oursDefaultHeap, throughput.baselineDefaultHeap, {
        note: 'information only: row 3 with both sides on V8\'s default young-generation sizing, under which ours (a larger program with a longer boot) may take a full GC while it boots and leave process.nextTick slow (docs/benchmarks.md; measure-throughput.ts)',
      }),
      throughputRow('as 3, baseline without logger', throughput.ours, throughput.baselineNoLogger, {
        note: `information only: ours as row 3; baseline: ${NO_LOGGER_BASELINE}`,
      }),
    ]
  },
}
