import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService, type AggregateHealth, type ServiceContext } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

function quietRunner () {
  return createRunner({ server: false, signals: false, admin: false, pressure: false, logger: captureLogs().logger })
}

test('the overall status is the worst of the critical services; a non-critical one never counts', async (t) => {
  const runner = quietRunner()
  t.after(() => runner.stop())
  const ctx: Record<string, ServiceContext> = {}
  const remember = (context: ServiceContext) => { ctx[context.name] = context }
  runner.register(defineService({ name: 'store', init: remember }))
  runner.register(defineService({ name: 'cache', health: { critical: false }, init: remember }))

  const before = runner.health()
  assert.equal(before.status, 'unknown', 'nothing is known before start')
  assert.equal(before.ready, false)
  assert.equal(before.live, true)

  await runner.start()
  let health = runner.health()
  assert.deepEqual(Object.keys(health.services), ['store', 'cache'])
  assert.equal(health.status, 'healthy')
  assert.equal(health.ready, true)
  assert.equal(health.services.cache.critical, false)
  assert.equal(health.services.store.critical, true)

  ctx.cache.health.report('unhealthy', { reason: 'evictions' })
  health = runner.health()
  assert.equal(health.services.cache.status, 'unhealthy')
  assert.equal(health.status, 'healthy', 'a non-critical service does not count')
  assert.equal(health.live, true, 'liveness never depends on a service')

  ctx.store.health.report('degraded')
  assert.equal(runner.health().status, 'degraded')
  ctx.store.health.report('unhealthy')
  assert.equal(runner.health().status, 'unhealthy')
  assert.equal(runner.health().live, true)
})

test('readiness is false during drain and after stop', async () => {
  const runner = quietRunner()
  let duringDrain: AggregateHealth | undefined
  let duringStop: AggregateHealth | undefined
  runner.register(defineService({
    name: 'api',
    drain () { duringDrain = runner.health() },
    stop () { duringStop = runner.health() },
  }))
  await runner.start()
  assert.equal(runner.health().ready, true)
  await runner.stop()
  assert.equal(duringDrain?.ready, false, 'not ready while draining')
  assert.equal(duringDrain?.live, true)
  assert.equal(duringStop?.ready, false, 'not ready while services stop')
  assert.equal(runner.health().ready, false)
})

test('a health source is an entry that is not a service; its name is taken', async (t) => {
  const runner = quietRunner()
  t.after(() => runner.stop())
  const disk = runner.addHealthSource('disk', { critical: false })
  assert.throws(() => runner.addHealthSource('disk'), { code: 'FSR_ERR_DUPLICATE_SERVICE' })
  assert.throws(() => runner.register(defineService({ name: 'disk' })), { code: 'FSR_ERR_DUPLICATE_SERVICE' })
  runner.register(defineService({ name: 'store', health: { follow: ['disk'], unhealthyWhen: 'any' } }))
  assert.deepEqual(runner.states().map((state) => state.name), ['store'], 'not a service')
  await runner.start()
  assert.throws(() => runner.addHealthSource('late'), { code: 'FSR_ERR_ALREADY_STARTED' })
  disk.report('unhealthy', { reason: 'read-only file system' })
  const health = runner.health()
  assert.equal(health.services.disk.status, 'unhealthy')
  assert.equal(health.services.store.status, 'unhealthy', 'services can follow it')
  assert.equal(health.status, 'unhealthy')
})
