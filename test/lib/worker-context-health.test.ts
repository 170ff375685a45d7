import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type ServiceContext, type ServiceHealthOptions } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

async function startOrders (t: TestContext, health: ServiceHealthOptions = {}) {
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger: captureLogs('silent').logger })
  let ctx: ServiceContext | undefined
  runner.register(defineService({ name: 'store' }))
  runner.register(defineService({ name: 'orders', health, init (got) { ctx = got } }))
  await runner.start()
  t.after(() => runner.stop())
  return { runner, ctx: ctx! }
}

test('a worker with health has its own entry, which its service follows; it counts in the aggregate only through its service', async (t) => {
  const { runner, ctx } = await startOrders(t)
  const plain = ctx.child('plain')
  assert.equal(plain.health, undefined, 'no entry without { health: true }')
  const worker = ctx.child('partition-1', { health: true })
  const entry = runner.health().services['orders/partition-1']
  assert.deepEqual([entry.status, entry.critical], ['unknown', false], 'unknown until it reports, never critical by itself')
  assert.equal('orders/plain' in runner.health().services, false)
  const heard: string[] = []
  ctx.health.subscribe('orders', (change) => heard.push(change.status))
  worker.health.report('unhealthy', { reason: 'broker unreachable' })
  assert.equal(worker.health.get().status, 'unhealthy')
  assert.equal(worker.health.get().reason, 'broker unreachable')
  const orders = runner.health().services.orders
  assert.equal(orders.status, 'degraded', 'its service follows it, at worst degraded by default')
  assert.equal(orders.reason, 'follows orders/partition-1 (unhealthy)')
  assert.deepEqual(heard, ['healthy', 'degraded'], 'the service\'s subscribers hear the change at once')
  assert.equal(runner.health().status, 'degraded', 'the unhealthy worker does not make the process unhealthy by itself')
  worker.health.report('healthy')
  assert.equal(runner.health().services.orders.status, 'healthy')
  assert.equal(runner.health().status, 'healthy')
})

test('the service\'s derive rule decides what a worker does to it; a non-critical service keeps its workers out of the aggregate', async (t) => {
  const strict = await startOrders(t, { unhealthyWhen: 'any' })
  strict.ctx.child('partition-1', { health: true }).health.report('unhealthy')
  assert.equal(strict.runner.health().services.orders.status, 'unhealthy')
  assert.equal(strict.runner.health().status, 'unhealthy')
  const optional = await startOrders(t, { unhealthyWhen: 'any', critical: false })
  optional.ctx.child('partition-1', { health: true }).health.report('unhealthy')
  assert.equal(optional.runner.health().services.orders.status, 'unhealthy')
  assert.equal(optional.runner.health().status, 'healthy', 'neither the service nor its worker counts')
})

test('a worker\'s end removes its entry and its weight on its service; a nested worker is followed by the nearest entry above it', async (t) => {
  const { runner, ctx } = await startOrders(t)
  const loop = ctx.child('loop')
  const pool = loop.child('pool', { health: true })
  const consumer = pool.child('consumer-1', { health: true })
  const commit = loop.child('commit', { health: true })
  consumer.health.report('degraded', { reason: 'slow' })
  assert.equal(runner.health().services['orders/loop/pool'].status, 'degraded', 'a worker with an entry follows its own workers')
  commit.health.report('unhealthy')
  const orders = runner.health().services.orders
  assert.deepEqual(orders.detail, { follows: { 'orders/loop/pool': 'degraded', 'orders/loop/commit': 'unhealthy' } }, 'a worker without an entry hands its workers to the entry above')
  loop.abort()
  const names = Object.keys(runner.health().services)
  assert.deepEqual(names.filter((name) => name.includes('/')), [], 'every entry under the aborted worker is gone')
  assert.equal(runner.health().services.orders.status, 'healthy')
  assert.equal(runner.health().services.orders.derived, undefined, 'the service follows nothing any more')
  consumer.health.report('unhealthy')
  assert.equal(runner.health().services.orders.status, 'healthy', 'a report after the end changes nothing')
  assert.throws(() => ctx.health.get('orders/loop/pool'), { code: 'FSR_ERR_UNKNOWN_SERVICE' })
})
