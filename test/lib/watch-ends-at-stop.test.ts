import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService, type LifecycleTransition, type Runner } from '../../lib/index.ts'

const CORE = { server: false, signals: false, admin: false, pressure: false, log: { level: 'silent' } } as const

function createPair (): Runner {
  const runner = createRunner(CORE)
  for (const name of ['store', 'api']) runner.register(defineService({ name }))
  return runner
}

async function collect (iterator: AsyncIterable<LifecycleTransition>): Promise<string[]> {
  const seen: string[] = []
  for await (const { service, to } of iterator) seen.push(`${service} ${to}`)
  return seen
}

test('a runner.watch loop without a signal ends once the runner stopped, having seen every service stop', { timeout: 5_000 }, async () => {
  const runner = createPair()
  const states = collect(runner.watch.states())
  const failures = collect(runner.watch.any(['store', 'api'], { entering: 'failed' }))
  await runner.start()
  await runner.stop()
  const seen = await states
  assert.ok(seen.includes('store stopped') && seen.includes('api stopped'), seen.join(', '))
  assert.deepEqual(await failures, [])
})

test('a consumer that had not taken the last transitions when the runner stopped still gets them, then the end', { timeout: 5_000 }, async () => {
  const runner = createPair()
  const iterator = runner.watch.any(['store', 'api'], { entering: 'stopped' })
  await runner.start()
  await runner.stop()
  assert.deepEqual((await collect(iterator)).sort(), ['api stopped', 'store stopped'])
})

test('after the stop, an iteration yields each service\'s latest transition and ends; a wait that cannot hold rejects', { timeout: 5_000 }, async () => {
  const runner = createPair()
  await runner.start()
  await runner.stop()
  assert.deepEqual((await collect(runner.watch.states())).sort(), ['api stopped', 'store stopped'])
  assert.deepEqual(await runner.watch.until({ all: ['store', 'api'], state: 'stopped' }), ['store', 'api'])
  await assert.rejects(runner.watch.until({ any: ['store'], state: 'running' }), (err: Error) => {
    assert.equal((err as { code?: string }).code, 'FSR_ERR_WATCH_ABORTED')
    assert.equal((err.cause as Error).message, 'the runner stopped')
    return true
  })
})

test('a wait still pending when the runner stops rejects with FSR_ERR_WATCH_ABORTED', { timeout: 5_000 }, async () => {
  const runner = createRunner(CORE)
  runner.register(defineService({ name: 'store' }))
  // Never registered to run: `completed` is for tasks, so this wait can only end with the stop.
  const waiting = runner.watch.until({ all: ['store'], state: 'completed' })
  await runner.start()
  const stopped = runner.stop()
  await assert.rejects(waiting, { code: 'FSR_ERR_WATCH_ABORTED' })
  await stopped
})

test('a runner stopped before it started ends its watchers too', { timeout: 5_000 }, async () => {
  const runner = createPair()
  const states = collect(runner.watch.states())
  await runner.stop()
  assert.deepEqual(await states, [])
})
