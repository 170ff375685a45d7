import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { test } from 'node:test'
import { createRunner, defineService, type ServiceContext } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

function createCoreRunner () {
  return createRunner({ server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false, logger: captureLogs('silent').logger })
}

test('aborting its signal ends a listener and an iterator, and leaves no listener on the signal', async () => {
  const runner = createCoreRunner()
  const jobs = runner.topics.topic<number>('jobs')
  const controller = new AbortController()
  const { signal } = controller
  const heard: number[] = []
  const unsubscribe = jobs.subscribe((n) => { heard.push(n) }, { signal })
  const iterator = jobs.subscribe({ signal })
  assert.equal(getEventListeners(signal, 'abort').length, 2)
  jobs.publish(1)
  controller.abort()
  jobs.publish(2)
  assert.deepEqual(heard, [1])
  assert.deepEqual(await iterator.next(), { done: true, value: undefined }, 'what waited is dropped with the subscription')
  assert.equal(getEventListeners(signal, 'abort').length, 0)
  assert.equal(jobs.figures().subscribers, 0)
  unsubscribe()
  // Subscribing with a signal already aborted subscribes nothing.
  const none = jobs.subscribe(() => { heard.push(-1) }, { signal })
  jobs.publish(3)
  assert.deepEqual(heard, [1])
  assert.deepEqual(await jobs.subscribe({ signal }).next(), { done: true, value: undefined })
  assert.equal(jobs.figures().subscribers, 0)
  none()
  // Unsubscribing by hand also frees the signal.
  const other = new AbortController()
  jobs.subscribe(() => {}, { signal: other.signal })()
  await jobs.subscribe({ signal: other.signal }).return?.()
  assert.equal(getEventListeners(other.signal, 'abort').length, 0)
})

test('a service\'s subscriptions through ctx.topics end when it stops, with no listener left on its ctx.signal', async () => {
  const runner = createCoreRunner()
  let worker: ServiceContext | undefined
  const ended: string[] = []
  runner.register(defineService({
    name: 'worker',
    init (ctx) {
      worker = ctx
      for (let i = 0; i < 20; i++) ctx.topics.topic<number>('jobs').subscribe(() => {})
    },
    async run (ctx) {
      for await (const job of ctx.topics.topic<number>('jobs').subscribe()) ended.push(`job ${job}`)
      ended.push('loop ended')
    },
  }))
  await runner.start()
  const ctx = worker as ServiceContext
  const jobs = runner.topics.topic<number>('jobs')
  assert.equal(jobs.figures().subscribers, 21)
  assert.equal(getEventListeners(ctx.signal, 'abort').length, 1, 'one listener on ctx.signal, however many subscriptions')
  jobs.publish(1)
  await runner.stop()
  assert.deepEqual(ended, ['job 1', 'loop ended'])
  assert.equal(jobs.figures().subscribers, 0)
  assert.equal(getEventListeners(ctx.signal, 'abort').length, 0)
  // Once its signal aborted, what the service subscribes next ends at once.
  ctx.topics.topic<number>('jobs').subscribe(() => {})
  assert.deepEqual(await ctx.topics.topic<number>('jobs').subscribe().next(), { done: true, value: undefined })
  assert.equal(jobs.figures().subscribers, 0)
})

test('runner.topics subscriptions end once the runner has stopped: an iterator after the values waiting for it, one made later at once', async () => {
  const runner = createCoreRunner()
  runner.register(defineService({ name: 'store' }))
  const jobs = runner.topics.topic<number>('jobs')
  const heard: number[] = []
  jobs.subscribe((n) => { heard.push(n) })
  const iterator = jobs.subscribe()
  const transitions = runner.topics.topic('fsr.lifecycle').subscribe()
  await runner.start()
  jobs.publish(1)
  jobs.publish(2)
  assert.equal(jobs.figures().subscribers, 2)
  await runner.stop()
  jobs.publish(3)
  assert.deepEqual(heard, [1, 2], 'the listener hears nothing after the stop')
  assert.equal(jobs.figures().subscribers, 0)
  const values: number[] = []
  for await (const n of iterator) values.push(n)
  assert.deepEqual(values, [1, 2], 'what waited is taken, then the loop ends')
  const states: string[] = []
  for await (const transition of transitions) states.push(transition.to)
  assert.deepEqual(states.slice(-2), ['shutting-down', 'stopped'], 'the stop\'s own transitions are heard before the end')
  assert.deepEqual(await jobs.subscribe().next(), { done: true, value: undefined })
  jobs.subscribe(() => { heard.push(-1) })
  jobs.publish(4)
  assert.deepEqual(heard, [1, 2])
  assert.equal(jobs.figures().subscribers, 0)
})
