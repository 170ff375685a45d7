import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService } from '../../lib/index.ts'
import { waitFor } from '../helpers/fixture-process.ts'
import { captureLogs } from '../helpers/log-capture.ts'

test('a restarted service that subscribes in each life has one subscription, not two, and its new life hears', async (t) => {
  const runner = createRunner({ server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false, logger: captureLogs('silent').logger })
  t.after(() => runner.stop())
  const heard: Array<[number, string]> = []
  let fail: (err: Error) => void = () => {}
  runner.register(defineService({
    name: 'billing',
    restart: { policy: 'on-failure', backoff: { initial: 1, jitter: 0 } },
    init (ctx) {
      ctx.topics.topic<string>('orders').subscribe((order) => { heard.push([ctx.attempt, order]) })
    },
    async run (ctx) {
      const loop = (async () => {
        for await (const order of ctx.topics.topic<string>('orders').subscribe()) heard.push([ctx.attempt, `loop ${order}`])
      })()
      await new Promise<void>((resolve, reject) => {
        fail = reject
        ctx.signal.addEventListener('abort', () => resolve())
      })
      await loop
    },
  }))
  await runner.start()
  const orders = runner.topics.topic<string>('orders')
  assert.equal(orders.figures().subscribers, 2, 'a listener and a loop')
  fail(new Error('lost the ledger'))
  await waitFor(() => runner.states()[0].timeline.filter((step) => step.to === 'running').length === 2 && orders.figures().subscribers === 2)
  orders.publish('tea')
  await waitFor(() => heard.length === 2)
  assert.deepEqual(heard.sort(), [[1, 'loop tea'], [1, 'tea']], 'heard once, by the new life only')
  assert.equal(orders.figures().subscribers, 2)
})
