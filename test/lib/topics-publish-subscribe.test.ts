import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService, type Runner, type ServiceContext } from '../../lib/index.ts'
import { captureLogs, type LogCapture } from '../helpers/log-capture.ts'
import { until } from '../helpers/loop-turns.ts'

interface Order { readonly id: number, readonly item: string }

/** A core runner with one service `shop`, started; its ctx and the log lines. */
async function startShop (t: { after: (fn: () => Promise<void>) => void }): Promise<{ runner: Runner, shop: ServiceContext, logs: LogCapture }> {
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false, logger: logs.logger })
  let shop: ServiceContext | undefined
  runner.register(defineService({ name: 'shop', init (ctx) { shop = ctx } }))
  await runner.start()
  t.after(() => runner.stop())
  return { runner, shop: shop as ServiceContext, logs }
}

test('a listener hears every value published from then on, synchronously, whoever published it', async (t) => {
  const { runner, shop } = await startShop(t)
  const orders = shop.topics.topic<Order>('orders')
  assert.equal(orders, shop.topics.topic<Order>('orders'), 'one handle per name and context')
  assert.equal(orders.name, 'orders')
  const heard: Order[] = []
  const unsubscribe = orders.subscribe((order) => { heard.push(order) })
  runner.topics.topic<Order>('orders').publish({ id: 1, item: 'tea' })
  assert.deepEqual(heard, [{ id: 1, item: 'tea' }], 'runner.topics and ctx.topics name the same topic')
  orders.publish({ id: 2, item: 'milk' })
  assert.deepEqual(heard.map((order) => order.id), [1, 2])
  unsubscribe()
  unsubscribe()
  orders.publish({ id: 3, item: 'sugar' })
  assert.deepEqual(heard.map((order) => order.id), [1, 2], 'nothing after unsubscribing')
  assert.deepEqual(orders.figures(), { name: 'orders', published: 3, delivered: 2, dropped: 0, subscribers: 0 })
})

test('an async iterator yields the values published from then on, in order, and ends when its loop is left', async (t) => {
  const { shop } = await startShop(t)
  const orders = shop.topics.topic<Order>('orders')
  const iterator = orders.subscribe()
  for (let id = 1; id <= 3; id++) orders.publish({ id, item: `item ${id}` })
  const seen: number[] = []
  for await (const order of iterator) {
    seen.push(order.id)
    if (order.id === 3) break
  }
  assert.deepEqual(seen, [1, 2, 3])
  assert.equal(orders.figures().subscribers, 0)
  assert.deepEqual(await iterator.next(), { done: true, value: undefined })
  // A waiting next() gets the next value as it is published.
  const later = orders.subscribe()
  const next = later.next()
  orders.publish({ id: 4, item: 'late' })
  assert.deepEqual(await next, { done: false, value: { id: 4, item: 'late' } })
  await later.return?.()
})

test('a listener that throws or rejects is logged; the other subscribers still get the value and the publisher never sees it', async (t) => {
  const { runner, shop, logs } = await startShop(t)
  const orders = runner.topics.topic<Order>('orders')
  const heard: number[] = []
  shop.topics.topic<Order>('orders').subscribe(() => { throw new Error('cannot bill') })
  orders.subscribe(async () => { throw new Error('cannot ship') })
  orders.subscribe((order) => { heard.push(order.id) })
  orders.publish({ id: 1, item: 'tea' })
  orders.publish({ id: 2, item: 'milk' })
  assert.deepEqual(heard, [1, 2])
  await until(() => logs.messages('topic listener failed').length === 4, 'four failures logged')
  // The async listener's second value waited for its first promise to settle.
  assert.deepEqual(logs.messages('topic listener failed').map((line) => [line.service, line.topic, (line.err as { message: string }).message]), [
    ['shop', 'orders', 'cannot bill'],
    ['shop', 'orders', 'cannot bill'],
    [undefined, 'orders', 'cannot ship'],
    [undefined, 'orders', 'cannot ship'],
  ])
  assert.equal(orders.figures().delivered, 6)
})

test('a value published by a listener reaches every subscriber after the value being delivered', async (t) => {
  const { runner } = await startShop(t)
  const ticks = runner.topics.topic<number>('ticks')
  const first: number[] = []
  const second: number[] = []
  ticks.subscribe((n) => {
    first.push(n)
    if (n === 1) ticks.publish(2)
  })
  ticks.subscribe((n) => { second.push(n) })
  ticks.publish(1)
  assert.deepEqual(first, [1, 2])
  assert.deepEqual(second, [1, 2], 'in the order published, not 2 before 1')
})

test('bad names, options, listeners and values are refused with FSR_ERR_INVALID_TOPIC, every problem named', async (t) => {
  const { runner } = await startShop(t)
  for (const name of ['', ' orders', 'a b', 'x'.repeat(129), 42, undefined]) {
    assert.throws(() => runner.topics.topic(name as string), { code: 'FSR_ERR_INVALID_TOPIC' }, String(name))
  }
  const orders = runner.topics.topic<Order>('orders')
  assert.throws(() => orders.subscribe({ buffer: 0, overflow: 'drop-all' as never, replay: 2 as never, signal: 'stop' as never, size: 1 } as never), (err: Error & { code: string }) => {
    assert.equal(err.code, 'FSR_ERR_INVALID_TOPIC')
    for (const word of ['unknown key size', 'signal: got "stop"', 'overflow: got "drop-all"', 'buffer: got 0', 'replay: got 2']) assert.match(err.message, new RegExp(word), word)
    return true
  })
  assert.throws(() => orders.subscribe({ overflow: 'latest', buffer: 10 }), { code: 'FSR_ERR_INVALID_TOPIC', message: /"latest" keeps only the newest value/ })
  assert.throws(() => orders.subscribe(42 as never), { code: 'FSR_ERR_INVALID_TOPIC', message: /expected \(listener, options\?\)/ })
  assert.throws(() => orders.subscribe({} as never, {} as never), { code: 'FSR_ERR_INVALID_TOPIC' })
  assert.throws(() => orders.publish(undefined as never), { code: 'FSR_ERR_INVALID_TOPIC', message: /null for "no value"/ })
  assert.equal(orders.figures().subscribers, 0, 'a refused subscription leaves nothing behind')
  runner.topics.topic<null>('pings').publish(null)
})
