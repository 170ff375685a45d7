import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type Runner, type ServiceContext } from '../../lib/index.ts'

const CORE = { server: false, signals: false, admin: false, pressure: false, log: { level: 'silent' } } as const

/** A runner with `store` and `cache` (not started): stopped after the test. */
function createPair (t: TestContext): Runner {
  const runner = createRunner(CORE)
  runner.register(defineService({ name: 'store' }))
  runner.register(defineService({ name: 'cache' }))
  t.after(() => runner.stop())
  return runner
}

/** What `promise` settled to by the next turn of the event loop, or 'pending'. */
async function settledSoon<T> (promise: Promise<T>): Promise<T | 'pending'> {
  return await Promise.race([promise, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))])
}

test('until({ all }) resolves once every named service is in the state, not before', async (t) => {
  const runner = createPair(t)
  const statesWhenResolved: string[][] = []
  const waiting = runner.watch.until({ all: ['store', 'cache'], state: 'running' }).then((names) => {
    statesWhenResolved.push(runner.states().map((state) => state.state))
    return names
  })
  assert.equal(await settledSoon(waiting), 'pending', 'nothing runs yet')
  await runner.start()
  assert.deepEqual(await waiting, ['store', 'cache'])
  assert.deepEqual(statesWhenResolved, [['running', 'running']], 'resolved when the second one entered running')
})

test('until({ any }) resolves with the first service in the state', async (t) => {
  let readyCache: (value: boolean) => void = () => {}
  const cacheReady = new Promise<boolean>((resolve) => { readyCache = resolve })
  const runner = createRunner(CORE)
  runner.register(defineService({ name: 'store' }))
  runner.register(defineService({ name: 'cache', ready: () => cacheReady }))
  t.after(() => runner.stop())
  const waiting = runner.watch.until({ any: ['cache', 'store'], state: 'running' })
  const starting = runner.start()
  assert.deepEqual(await waiting, ['store'], 'store runs while cache is still starting')
  readyCache(true)
  await starting
})

test('until() resolves at once when the condition already holds', async (t) => {
  const runner = createPair(t)
  await runner.start()
  assert.deepEqual(await settledSoon(runner.watch.until({ all: ['store', 'cache'], state: 'running' })), ['store', 'cache'])
  assert.deepEqual(await settledSoon(runner.watch.until({ any: ['store', 'cache'], state: 'running' })), ['store', 'cache'])
})

test('until() rejects with FSR_ERR_WATCH_TIMEOUT once its timeout passed, naming the states', async (t) => {
  const runner = createPair(t)
  await runner.start()
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const waiting = runner.watch.until({ all: ['store', 'cache'], state: 'stopped' }, { timeout: 500 })
  const outcome = waiting.then(() => 'resolved', (err: unknown) => err)
  t.mock.timers.tick(499)
  assert.equal(await settledSoon(outcome), 'pending', 'not before 500 ms')
  t.mock.timers.tick(1)
  const err = await outcome as Error & { code: string }
  t.mock.timers.reset()
  assert.equal(err.code, 'FSR_ERR_WATCH_TIMEOUT')
  assert.match(err.message, /all of store, cache in "stopped" did not hold within 500 ms \(now: store running, cache running\)/)
})

test('until() rejects with FSR_ERR_WATCH_ABORTED when its signal aborts, the reason as cause', async (t) => {
  const runner = createPair(t)
  const controller = new AbortController()
  const waiting = runner.watch.until({ any: ['store'], state: 'failed' }, { signal: controller.signal })
  const reason = new Error('no longer needed')
  controller.abort(reason)
  await assert.rejects(waiting, (err: Error & { code: string }) => err.code === 'FSR_ERR_WATCH_ABORTED' && err.cause === reason)
  // Already aborted: rejected as well, even though the condition holds.
  await runner.start()
  await assert.rejects(runner.watch.until({ any: ['store'], state: 'running' }, { signal: controller.signal }), { code: 'FSR_ERR_WATCH_ABORTED' })
})

test('ctx.watch.until() rejects with FSR_ERR_WATCH_ABORTED when its own service begins to stop', async (t) => {
  let failure: unknown
  const runner = createRunner(CORE)
  runner.register(defineService({ name: 'store' }))
  runner.register(defineService({
    name: 'waiter',
    run: async (ctx: ServiceContext) => {
      try {
        await ctx.watch.until({ all: ['store'], state: 'failed' })
      } catch (err) {
        failure = err
      }
    },
  }))
  t.after(() => runner.stop())
  await runner.start()
  assert.equal(failure, undefined, 'still waiting while running')
  await runner.stop()
  const err = failure as unknown as Error & { code: string, cause: Error }
  assert.equal(err.code, 'FSR_ERR_WATCH_ABORTED')
  assert.equal(err.cause.message, 'the service is stopping')
})

test('until() refuses unknown names and malformed conditions with coded errors', async (t) => {
  const runner = createPair(t)
  await assert.rejects(runner.watch.until({ all: ['store', 'nope'], state: 'running' }), (err: Error & { code: string }) =>
    err.code === 'FSR_ERR_UNKNOWN_SERVICE' && /no service named "nope" \(known: store, cache\)/.test(err.message))
  const bad: unknown[] = [
    undefined,
    { all: ['store'], any: ['cache'], state: 'running' },
    { all: ['store'], state: 'asleep' },
    { all: [], state: 'running' },
  ]
  for (const condition of bad) {
    await assert.rejects(runner.watch.until(condition as never), { code: 'FSR_ERR_INVALID_ARGUMENT' }, JSON.stringify(condition))
  }
  await assert.rejects(runner.watch.until({ all: ['store'], state: 'running' }, { timeout: -1 }), { code: 'FSR_ERR_INVALID_ARGUMENT' })
  await assert.rejects(runner.watch.until({ all: ['store'], state: 'running' }, { signal: 'x' as never }), { code: 'FSR_ERR_INVALID_ARGUMENT' })
})
