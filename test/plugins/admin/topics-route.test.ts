import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

test('GET /topics gives every topic\'s published, delivered, dropped and subscribers, the runner\'s own first', async (t) => {
  // No dashboard: it subscribes to the runner's own topics, whose figures are checked at 0 here.
  const runner = createRunner({ server: false, admin: { port: 0 }, dashboard: false, signals: false, logger: captureLogs('silent').logger })
  t.after(() => runner.stop().catch(() => {}))
  runner.register(defineService({ name: 'billing', init (ctx) { ctx.topics.topic<number>('orders').subscribe(() => {}) } }))
  await runner.start()
  const orders = runner.topics.topic<number>('orders')
  const slow = orders.subscribe({ buffer: 2 })
  for (let n = 1; n <= 5; n++) orders.publish(n)
  runner.topics.topic<string>('quiet')
  const response = await runner.admin!.inject('/topics')
  assert.equal(response.statusCode, 200)
  assert.deepEqual(response.json(), {
    topics: [
      { name: 'fsr.lifecycle', published: 0, delivered: 0, dropped: 0, subscribers: 0 },
      { name: 'fsr.health', published: 0, delivered: 0, dropped: 0, subscribers: 0 },
      { name: 'fsr.restart', published: 0, delivered: 0, dropped: 0, subscribers: 0 },
      { name: 'orders', published: 5, delivered: 5, dropped: 3, subscribers: 2 },
      { name: 'quiet', published: 0, delivered: 0, dropped: 0, subscribers: 0 },
    ],
  })
  await slow.return?.()
  assert.equal((await runner.admin!.inject({ method: 'DELETE', url: '/topics' })).statusCode, 405)
})
