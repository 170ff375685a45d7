import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService, type ServiceContext } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

test('/services lists each service\'s workers with their health, start time and whether they were aborted', async (t) => {
  const runner = createRunner({ server: false, admin: { port: 0 }, signals: false, pressure: false, logger: captureLogs('silent').logger })
  t.after(() => runner.stop().catch(() => {}))
  let ctx: ServiceContext | undefined
  runner.register(defineService({ name: 'store' }))
  runner.register(defineService({ name: 'orders', init (got) { ctx = got } }))
  await runner.start()
  const pool = ctx!.child('pool')
  const consumer = pool.child('consumer-1', { health: true })
  consumer.health.report('degraded', { reason: 'lagging' })
  const plain = ctx!.child('plain')
  const read = async () => (await runner.admin!.inject('/services')).json().services as Array<{ name: string, workers: Array<Record<string, unknown>> }>
  const [store, orders] = await read()
  assert.deepEqual(store.workers, [], 'a service without workers lists none')
  assert.deepEqual(orders.workers, [
    { name: 'orders/pool', startedAt: pool.startedAt, aborted: false },
    { name: 'orders/pool/consumer-1', startedAt: consumer.startedAt, aborted: false, health: 'degraded' },
    { name: 'orders/plain', startedAt: plain.startedAt, aborted: false },
  ])
  pool.abort()
  const [, after] = await read()
  assert.deepEqual(after.workers.map(({ name, aborted, health }) => [name, aborted, health]), [
    ['orders/pool', true, undefined],
    ['orders/pool/consumer-1', true, undefined],
    ['orders/plain', false, undefined],
  ], 'an aborted worker stays listed until its name is used again or its service\'s life ends, without health')
  const again = ctx!.child('pool')
  const [, replaced] = await read()
  assert.deepEqual(replaced.workers.map(({ name, aborted, startedAt }) => [name, aborted, startedAt]), [
    ['orders/pool', false, again.startedAt],
    ['orders/plain', false, plain.startedAt],
  ], 'a new worker of the same name takes the aborted one\'s place')
})
