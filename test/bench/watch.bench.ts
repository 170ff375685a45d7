// What lifecycle watchers cost the runner: start + stop of 1,000 services (six transitions each)
// with 100 watchers reading along, against the same runner without watchers, in the same rounds.
// The time per transition is the run's time divided by the transitions it made.
import { setMaxListeners } from 'node:events'
import { createRunner, defineService, type LifecycleTransition, type LifecycleWatch, type RunnerOptions } from '../../lib/index.ts'
import type { Benchmark, Row } from './benchmark.ts'
import { measure, pairedRatio, type MeasureOptions, type Sample } from './measure.ts'
import { createNullLogger } from './null-logger.ts'
import { formatNumber } from './print-table.ts'

const SERVICES = 1_000
const WATCHERS = 100
/** Services each watcher of the second row follows. */
const WATCHED = 10
/** initiating, initiated, starting, running, shutting-down, stopped. */
const TRANSITIONS = SERVICES * 6
/**
 * Judged on what each watcher adds to a transition, not on the ratio: a watcher of every service
 * takes a place in its own mailbox at every transition, which a transition without watchers (a few
 * µs) does not pay for 100 times over. The ratio is printed beside it.
 */
const GOAL_NS_PER_WATCHER = 250
// Warm and without a forced collection, as start-stop's judged rows (see start-stop.bench.ts).
const RUNS: MeasureOptions = { warmup: 3, iterations: 15, collectGarbage: false, timeBy: 'phases' }

/** The core alone: no built-in plugin, no signal handlers, no main server. */
const CORE: RunnerOptions = { server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false }

type Watchers = (watch: LifecycleWatch, signal: AbortSignal) => Array<AsyncIterable<LifecycleTransition>>

/** Every watcher follows every service. */
const everyService: Watchers = (watch, signal) => Array.from({ length: WATCHERS }, () => watch.states({ signal }))

/** Each watcher follows the moves into `running` of WATCHED services of its own. */
const someServices: Watchers = (watch, signal) => Array.from({ length: WATCHERS }, (_, i) => {
  const names = Array.from({ length: WATCHED }, (_, j) => `service-${(i * WATCHED + j) % SERVICES}`)
  return watch.any(names, { entering: 'running', signal })
})

/**
 * One runner with SERVICES services, started and stopped (the time reported). With `watchers`,
 * each is read by a loop: from before start until after stop (`readAlong`), or only after stop,
 * untimed (a slow consumer: the run's time is then the runner's alone). The loops count what they
 * saw, so the reads are not optimized away.
 */
function startStop (options: RunnerOptions, watchers?: Watchers, readAlong = false): () => Promise<Readonly<Record<string, number>>> {
  const noop = async (): Promise<void> => {}
  return async () => {
    const runner = createRunner(options)
    for (let i = 0; i < SERVICES; i++) runner.register(defineService({ name: `service-${i}`, init: noop, stop: noop }))
    const controller = new AbortController()
    // Every watcher listens on the one signal: more than Node's default of 10 is no leak here.
    setMaxListeners(WATCHERS, controller.signal)
    const iterators = watchers?.(runner.watch, controller.signal) ?? []
    let seen = 0
    const read = (): Array<Promise<void>> => iterators.map(async (iterator) => {
      for await (const transition of iterator) if (transition.to !== undefined) seen++
    })
    const reading = readAlong ? read() : []
    const begin = performance.now()
    await runner.start()
    await runner.stop()
    const elapsed = performance.now() - begin
    if (!readAlong) reading.push(...read())
    // Each loop takes what is waiting, then ends.
    await new Promise((resolve) => setImmediate(resolve))
    controller.abort()
    await Promise.all(reading)
    if (watchers !== undefined && seen < WATCHERS) throw new Error(`the watchers saw ${seen} transitions`)
    return { elapsed }
  }
}

function perTransition (sample: Sample): string {
  return `${formatNumber((sample.median / TRANSITIONS) * 1000)} µs`
}

/** What one watcher adds to one transition, ns. */
function addedPerWatcher (ours: Sample, baseline: Sample): number {
  return ((ours.median - baseline.median) / TRANSITIONS / WATCHERS) * 1e6
}

function row (label: string, ours: Sample, baseline: Sample, note: string, isJudged: boolean): Row {
  const ratio = pairedRatio(ours, baseline)
  const added = addedPerWatcher(ours, baseline)
  return {
    label,
    ours: { median: ours.median, min: ours.min, unit: 'ms' },
    baseline: { median: baseline.median, min: baseline.min, unit: 'ms' },
    ratio,
    columns: { 'ours/transition': perTransition(ours), 'baseline/transition': perTransition(baseline), 'added per watcher': `${formatNumber(added)} ns` },
    ...(isJudged ? { isMet: added < GOAL_NS_PER_WATCHER } : {}),
    note,
  }
}

export const benchmark: Benchmark = {
  name: 'watch',
  goal: `with ${SERVICES} services and ${WATCHERS} watchers of every service, each watcher adds < ${GOAL_NS_PER_WATCHER} ns to a transition of the runner (against the same runner without watchers)`,
  async run () {
    const options: RunnerOptions = { ...CORE, logger: createNullLogger('silent') }
    const samples = await measure({
      every: startStop(options, everyService),
      everyReadAlong: startStop(options, everyService, true),
      someReadAlong: startStop(options, someServices, true),
      none: startStop(options),
    }, RUNS)
    const how = `start() + stop() of a core runner (built-ins off, log silent) with ${SERVICES} services (${TRANSITIONS} transitions); baseline: the same without watchers, in the same rounds; per transition: the run's median / ${TRANSITIONS}`
    return [
      row(`${WATCHERS} watchers x every service`, samples.every, samples.none,
        `${how}; ours: ${WATCHERS} runner.watch.states() iterators (every transition reaches each of them), read only after stop() (slow consumers: the time is the runner's delivery into their mailboxes)`, true),
      row('as 1, read along', samples.everyReadAlong, samples.none,
        `information only: as row 1, each iterator read by a for-await loop from before start() until after stop(): the time adds the consumers' own work (a promise and a resumed loop per transition taken), in the same thread`, false),
      row(`${WATCHERS} watchers x ${WATCHED} services, read along`, samples.someReadAlong, samples.none,
        `information only: as row 2, with ${WATCHERS} runner.watch.any(${WATCHED} names, { entering: 'running' }) iterators, each over services of its own`, false),
    ]
  },
}
