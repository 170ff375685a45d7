import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type ServiceContext } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

async function startOrders (t: TestContext): Promise<{ ctx: ServiceContext, stop: () => Promise<void> }> {
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger: captureLogs('warn').logger })
  let got: ServiceContext | undefined
  runner.register(defineService({ name: 'orders', init (ctx) { got = ctx } }))
  await runner.start()
  t.after(() => runner.stop())
  return { ctx: got!, stop: () => runner.stop() }
}

test('the parent\'s stop aborts every worker, nested ones too, with the reason of the parent\'s signal', async (t) => {
  const { ctx, stop } = await startOrders(t)
  const pool = [ctx.child('consumer-1'), ctx.child('consumer-2')]
  const nested = pool[0].child('commit')
  // Loops that end on their worker's signal, as a consumer's would.
  const loops = pool.map((worker) => new Promise((resolve) => worker.signal.addEventListener('abort', () => resolve(worker.signal.reason))))
  assert.deepEqual([...pool, nested].map((worker) => worker.signal.aborted), [false, false, false])
  await stop()
  assert.ok(ctx.signal.aborted)
  assert.deepEqual([...pool, nested].map((worker) => worker.signal.aborted), [true, true, true])
  assert.deepEqual(await Promise.all(loops), [ctx.signal.reason, ctx.signal.reason])
  assert.equal(nested.signal.reason, ctx.signal.reason)
  assert.equal(getEventListeners(ctx.signal, 'abort').length, 0, 'the workers added no listener to the service\'s signal')
  const late = ctx.child('late')
  assert.equal(late.signal.aborted, true, 'a worker made after its parent\'s life ended is aborted from the start')
  assert.equal(late.signal.reason, ctx.signal.reason)
})

test('abort() ends the worker and those under it, not its siblings nor its parent, and frees its name', async (t) => {
  const { ctx } = await startOrders(t)
  const first = ctx.child('partition-1')
  const second = ctx.child('partition-2')
  const underFirst = first.child('commit')
  const reason = new Error('partition revoked')
  first.abort(reason)
  assert.equal(first.signal.reason, reason)
  assert.equal(underFirst.signal.reason, reason)
  assert.equal(second.signal.aborted, false)
  assert.equal(ctx.signal.aborted, false)
  first.abort(new Error('again'))
  assert.equal(first.signal.reason, reason, 'a second abort changes nothing')
  const again = ctx.child('partition-1')
  assert.equal(again.signal.aborted, false, 'the name of an aborted worker can be used again')
  const { abort } = second
  abort()
  assert.equal(second.signal.aborted, true, 'abort works detached from its worker')
  assert.equal((second.signal.reason as Error).name, 'AbortError', 'without a reason, the standard AbortError')
})
