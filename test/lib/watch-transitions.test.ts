import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type LifecycleState, type LifecycleTransition, type Runner } from '../../lib/index.ts'

const CORE = { server: false, signals: false, admin: false, pressure: false, log: { level: 'silent' } } as const

/** A runner with services `store`, `cache` and `api`, not started; stopped after the test. */
function createTrio (t: TestContext): Runner {
  const runner = createRunner(CORE)
  for (const name of ['store', 'cache', 'api']) runner.register(defineService({ name }))
  t.after(() => runner.stop())
  return runner
}

/** `service to` of each transition taken from `iterator`, `count` of them. */
async function take (iterator: AsyncIterator<LifecycleTransition>, count: number): Promise<string[]> {
  const seen: string[] = []
  while (seen.length < count) {
    const { done, value } = await iterator.next()
    if (done === true) break
    seen.push(`${value.service} ${value.to}`)
  }
  return seen
}

test('states() reads along with the runner: each service in order, ending at its latest state', async (t) => {
  const runner = createTrio(t)
  const controller = new AbortController()
  const seen: LifecycleTransition[] = []
  const consumed = (async () => { for await (const transition of runner.watch.states({ signal: controller.signal })) seen.push(transition) })()
  await runner.start()
  await runner.stop()
  controller.abort()
  await consumed
  const life: LifecycleState[] = ['initiating', 'initiated', 'starting', 'running', 'shutting-down', 'stopped']
  for (const name of ['store', 'cache', 'api']) {
    const states = seen.filter((transition) => transition.service === name).map((transition) => transition.to)
    // Transitions that happen before the consumer asks again are folded into the latest one.
    assert.deepEqual(states, life.filter((state) => states.includes(state)), `${name}: in lifecycle order, none twice`)
    assert.equal(states.at(-1), 'stopped', name)
  }
})

test('states() yields the current state of each service first, then its transitions', async (t) => {
  const runner = createTrio(t)
  await runner.start()
  const controller = new AbortController()
  const iterator = runner.watch.states({ signal: controller.signal })
  assert.deepEqual(await take(iterator, 3), ['store running', 'cache running', 'api running'])
  const stopping = runner.stop()
  await stopping
  assert.deepEqual(await take(iterator, 3), ['api stopped', 'cache stopped', 'store stopped'], 'the one waiting longest first')
  controller.abort()
})

test('a slow consumer gets the latest transition of each service, and the runner never waits for it', async (t) => {
  const runner = createTrio(t)
  const controller = new AbortController()
  const iterator = runner.watch.states({ signal: controller.signal })
  // Nobody reads while the runner starts: start() completes all the same.
  await runner.start()
  assert.deepEqual(await take(iterator, 3), ['store running', 'cache running', 'api running'], 'one per service, the latest')
  await runner.stop()
  assert.deepEqual(await take(iterator, 3), ['api stopped', 'cache stopped', 'store stopped'], 'the latest again, the one waiting longest first')
  // Nothing older is left, and the runner has stopped: the iteration is over.
  assert.deepEqual(await iterator.next(), { done: true, value: undefined })
  controller.abort()
})

test('states() follows only `include`, minus `exclude`', async (t) => {
  const runner = createTrio(t)
  await runner.start()
  const controller = new AbortController()
  const included = runner.watch.states({ include: ['store', 'api'], signal: controller.signal })
  const excluded = runner.watch.states({ exclude: ['cache'], signal: controller.signal })
  const both = runner.watch.states({ include: ['store', 'cache'], exclude: ['store'], signal: controller.signal })
  await runner.stop()
  // Each had its current state waiting (store first), now overwritten by the latest.
  assert.deepEqual(await take(included, 2), ['store stopped', 'api stopped'])
  assert.deepEqual(await take(excluded, 2), ['store stopped', 'api stopped'])
  assert.deepEqual(await take(both, 1), ['cache stopped'])
  controller.abort()
  assert.deepEqual(await both.next(), { done: true, value: undefined }, 'nothing else was waiting')
})

test('any() with entering, exiting and notIn keeps the latest matching transition of each service', async (t) => {
  const runner = createTrio(t)
  const controller = new AbortController()
  const signal = controller.signal
  const entering = runner.watch.any(['store', 'api'], { entering: 'running', signal })
  const exiting = runner.watch.any('cache', { exiting: 'running', signal })
  const notIn = runner.watch.any(['store'], { notIn: 'running', signal })
  const line = (transition: LifecycleTransition): string => `${transition.service} ${transition.from ?? 'new'}->${transition.to}`
  const next = async (iterator: AsyncIterator<LifecycleTransition>): Promise<string> => line((await iterator.next()).value as LifecycleTransition)
  // Read only after start: a slow consumer.
  await runner.start()
  assert.equal(await next(entering), 'store starting->running')
  assert.equal(await next(entering), 'api starting->running')
  assert.equal(await next(notIn), 'store initiated->starting', 'the latest of initiating, initiated, starting')
  const cacheExits = next(exiting)
  await runner.stop()
  assert.equal(await cacheExits, 'cache running->shutting-down', 'the move to stopped does not match')
  assert.equal(await next(notIn), 'store shutting-down->stopped')
  controller.abort()
  assert.deepEqual(await entering.next(), { done: true, value: undefined }, 'nothing else entered running')
})

test('any() yields the current state first when it matches', async (t) => {
  const runner = createTrio(t)
  await runner.start()
  const controller = new AbortController()
  const running = runner.watch.any(['store', 'cache'], { entering: 'running', signal: controller.signal })
  assert.deepEqual(await take(running, 2), ['store running', 'cache running'])
  controller.abort()
})

test('an iterator ends when its signal aborts, and when the loop is left', async (t) => {
  const runner = createTrio(t)
  await runner.start()
  const controller = new AbortController()
  const iterator = runner.watch.any('store', { entering: 'stopped', signal: controller.signal })
  const waiting = iterator.next()
  controller.abort()
  assert.deepEqual(await waiting, { done: true, value: undefined }, 'a waiting next() ends')
  const aborted = runner.watch.states({ signal: controller.signal })
  assert.deepEqual(await aborted.next(), { done: true, value: undefined }, 'an aborted signal ends it before it begins')
  for await (const transition of runner.watch.states()) {
    assert.equal(transition.to, 'running')
    break
  }
})

test('ctx.watch iterators end when their own service begins to stop', async (t) => {
  const seen: string[] = []
  let ended = false
  const runner = createRunner(CORE)
  runner.register(defineService({ name: 'store' }))
  runner.register(defineService({
    name: 'watcher',
    run: async (ctx) => {
      for await (const transition of ctx.watch.states({ include: ['store'] })) seen.push(transition.to)
      ended = true
    },
  }))
  t.after(() => runner.stop())
  await runner.start()
  await runner.stop()
  assert.equal(ended, true)
  assert.deepEqual(seen, ['running'], 'the store stops after the watcher')
})

test('iterators refuse unknown names and bad options with coded errors', (t) => {
  const runner = createTrio(t)
  assert.throws(() => runner.watch.states({ include: ['nope'] }), { code: 'FSR_ERR_UNKNOWN_SERVICE' })
  assert.throws(() => runner.watch.states({ exclude: ['nope'] }), { code: 'FSR_ERR_UNKNOWN_SERVICE' })
  assert.throws(() => runner.watch.any(['store', 'nope'], { entering: 'running' }), { code: 'FSR_ERR_UNKNOWN_SERVICE' })
  assert.throws(() => runner.watch.any('store', { entering: 'running', exiting: 'stopped' } as never), { code: 'FSR_ERR_INVALID_ARGUMENT' })
  assert.throws(() => runner.watch.any('store', {} as never), { code: 'FSR_ERR_INVALID_ARGUMENT' })
  assert.throws(() => runner.watch.any('store', { notIn: 'asleep' } as never), { code: 'FSR_ERR_INVALID_ARGUMENT' })
  assert.throws(() => runner.watch.states({ includes: ['store'] } as never), { code: 'FSR_ERR_INVALID_ARGUMENT' })
})
