import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type Runner } from '../../lib/index.ts'

const CORE = { server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false, log: { level: 'silent' } } as const

interface StartError extends Error { code?: string, service?: string, phase?: string, cause?: StartError }

/** `store` runs, then `cache` whose init is held as `init` says, then `api`; `entered` resolves once cache's init began. */
function booting (t: TestContext, init: (signal: AbortSignal) => Promise<void>, timeouts = {}): { runner: Runner, steps: string[], entered: Promise<void>, starting: Promise<StartError | undefined> } {
  const runner = createRunner({ ...CORE, timeouts })
  const steps: string[] = []
  let enter!: () => void
  const entered = new Promise<void>((resolve) => { enter = resolve })
  runner.register(defineService({ name: 'store', async stop () { steps.push('stop store') } }))
  runner.register(defineService({ name: 'cache', init: (ctx) => { enter(); return init(ctx.signal) }, async stop () { steps.push('stop cache') } }))
  runner.register(defineService({ name: 'api', async init () { steps.push('init api') } }))
  t.after(() => runner.stop().catch(() => {}))
  const starting = runner.start().then(() => undefined, (err: StartError) => err)
  return { runner, steps, entered, starting }
}

test('runner.stop() during an init that honours ctx.signal: start() rejects with FSR_ERR_START_INTERRUPTED, after the stop, with no cause', async (t) => {
  const { runner, steps, entered, starting } = booting(t, (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve())))
  await entered
  const stopped = runner.stop()
  const err = await starting
  assert.equal(err?.code, 'FSR_ERR_START_INTERRUPTED')
  assert.equal(err?.message, 'start() did not complete: the runner was stopped during the boot')
  assert.equal(err?.cause, undefined)
  // Settled once the stop was over: every service that completed its init was stopped.
  assert.equal(runner.status, 'stopped')
  assert.deepEqual(steps, ['stop cache', 'stop store'])
  await stopped
})

test('runner.stop() during an init that ignores ctx.signal: its timeout ends it, and start() rejects with that failure as cause', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] })
  const { runner, steps, entered, starting } = booting(t, () => new Promise(() => {}), { init: 1_000 })
  await entered
  const stopped = runner.stop()
  t.mock.timers.tick(1_000)
  const err = await starting
  assert.equal(err?.code, 'FSR_ERR_START_INTERRUPTED')
  assert.equal(err?.cause?.code, 'FSR_ERR_SERVICE_START')
  assert.deepEqual([err?.cause?.service, err?.cause?.phase, err?.cause?.cause?.code], ['cache', 'init', 'FSR_ERR_TIMEOUT'])
  assert.deepEqual(steps, ['stop store'], 'cache never completed its init: only store is stopped, and api never inits')
  await stopped
})

test('a start that fails on its own still rejects with the service\'s own error', async (t) => {
  const { steps, starting } = booting(t, async () => { throw new Error('no database') })
  const err = await starting
  assert.equal(err?.code, 'FSR_ERR_SERVICE_START')
  assert.equal(err?.service, 'cache')
  assert.deepEqual(steps, ['stop store'])
})
