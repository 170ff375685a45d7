// What a topic costs: one publish to 1,000 subscribers (listeners, then iterators), against an
// EventEmitter with 1,000 listeners emitting the same value, in the same process.
import { EventEmitter } from 'node:events'
import { createRunner, type RunnerOptions, type TopicIterator } from '../../lib/index.ts'
import type { Benchmark } from './benchmark.ts'
import { measure, median, type MeasureOptions } from './measure.ts'
import { createNullLogger } from './null-logger.ts'

const SUBSCRIBERS = 1_000
/** Publishes per timed run (the time of one is the run's time divided by this). */
const PUBLISHES_PER_RUN = 50
const RUNS: MeasureOptions = { warmup: 5, iterations: 21 }
const GOAL_PUBLISH_MS = 1

/** The core alone: no built-in plugin, no signal handlers, no main server. */
const CORE: RunnerOptions = { server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false }

interface Order { readonly id: number, readonly item: string }

/** Both sides' listener: reads the value, as a real subscriber would. */
function createCounter (): { listener: (order: Order) => void, count: () => number } {
  let received = 0
  return { listener: (order) => { if (order.id >= 0) received++ }, count: () => received }
}

/** Per publish, ms, for ours (listeners), ours (iterators that read nothing: puts in their mailboxes) and the EventEmitter. */
async function measurePublish (): Promise<{ listeners: number[], iterators: number[], baseline: number[] }> {
  const runner = createRunner({ ...CORE, logger: createNullLogger('info') })
  await runner.start()
  const orders = runner.topics.topic<Order>('orders')
  const ours = createCounter()
  for (let i = 0; i < SUBSCRIBERS; i++) orders.subscribe(ours.listener)
  // A second topic of iterators, each keeping only the latest value (so the backlog stays bounded).
  const queued = runner.topics.topic<Order>('queued')
  const iterators: Array<TopicIterator<Order>> = Array.from({ length: SUBSCRIBERS }, () => queued.subscribe({ overflow: 'latest' }))
  const emitter = new EventEmitter()
  emitter.setMaxListeners(SUBSCRIBERS)
  const baseline = createCounter()
  for (let i = 0; i < SUBSCRIBERS; i++) emitter.on('order', baseline.listener)
  let id = 0
  try {
    const samples = await measure({
      listeners: async () => {
        for (let i = 0; i < PUBLISHES_PER_RUN; i++) orders.publish(Object.freeze({ id: id++, item: 'tea' }))
      },
      iterators: async () => {
        for (let i = 0; i < PUBLISHES_PER_RUN; i++) queued.publish(Object.freeze({ id: id++, item: 'tea' }))
      },
      baseline: async () => {
        for (let i = 0; i < PUBLISHES_PER_RUN; i++) emitter.emit('order', Object.freeze({ id: id++, item: 'tea' }))
      },
    }, RUNS)
    const expected = (RUNS.warmup + RUNS.iterations) * PUBLISHES_PER_RUN * SUBSCRIBERS
    if (ours.count() !== expected || baseline.count() !== expected) {
      throw new Error(`deliveries: ours ${ours.count()}, baseline ${baseline.count()}, expected ${expected}`)
    }
    if (queued.figures().dropped !== expected - SUBSCRIBERS) throw new Error(`iterators dropped ${queued.figures().dropped}, expected ${expected - SUBSCRIBERS}`)
    const perPublish = (runs: readonly number[]): number[] => runs.map((ms) => ms / PUBLISHES_PER_RUN)
    return { listeners: perPublish(samples.listeners.runs), iterators: perPublish(samples.iterators.runs), baseline: perPublish(samples.baseline.runs) }
  } finally {
    for (const iterator of iterators) await iterator.return?.()
    await runner.stop()
  }
}

export const benchmark: Benchmark = {
  name: 'topics',
  goal: `one publish to ${SUBSCRIBERS} subscribers < ${GOAL_PUBLISH_MS} ms (against an EventEmitter with ${SUBSCRIBERS} listeners, in the same run)`,
  async run () {
    const { listeners, iterators, baseline } = await measurePublish()
    const toMicros = (values: readonly number[]): { median: number, min: number, unit: string } => ({ median: median(values) * 1000, min: Math.min(...values) * 1000, unit: 'µs' })
    return [
      {
        label: `publish -> ${SUBSCRIBERS} listeners`,
        ours: toMicros(listeners),
        baseline: toMicros(baseline),
        isMet: median(listeners) < GOAL_PUBLISH_MS,
        note: `ours: topic.publish() of a frozen object to ${SUBSCRIBERS} topic.subscribe(listener) listeners (core runner, log info -> /dev/null); baseline: EventEmitter.emit() of the same object to ${SUBSCRIBERS} listeners; time per publish, every listener called (${PUBLISHES_PER_RUN} publishes per timed run)`,
      },
      {
        label: `publish -> ${SUBSCRIBERS} iterators`,
        ours: toMicros(iterators),
        baseline: toMicros(baseline),
        note: `information only: the same publish to ${SUBSCRIBERS} topic.subscribe({ overflow: 'latest' }) iterators that read nothing (each publish replaces the value waiting in each mailbox, counted as dropped); baseline as row 1`,
      },
    ]
  },
}
