// Type tests of topics, checked by `npm run test:types` (tsc): a topic's type follows its values.
import { createRunner, defineService } from '../lib/index.ts'
import type { HealthChange, LifecycleTransition, ReadonlyTopic, RestartEvent, Topic, TopicFigures, TopicIterator, TopicUnsubscribe } from './index.ts'

function expectType<T> (value: T): T { return value }

interface Order { readonly id: number, readonly item: string }

const runner = createRunner({ server: false, signals: false })
const orders = runner.topics.topic<Order>('orders')
expectType<Topic<Order>>(orders)
orders.publish({ id: 1, item: 'tea' })
// @ts-expect-error a topic of orders refuses a value that is not an order
orders.publish({ id: '1', item: 'tea' })
// @ts-expect-error nor a missing field
orders.publish({ id: 1 })
const unsubscribe = orders.subscribe((order) => { expectType<Order>(order) }, { buffer: 10, overflow: 'drop-newest' })
expectType<TopicUnsubscribe>(unsubscribe)
expectType<number>(unsubscribe.dropped)
unsubscribe()
// An async listener is accepted: values wait while it works.
orders.subscribe(async (order) => { expectType<number>(order.id) })
// @ts-expect-error a listener of orders takes orders
orders.subscribe((order: string) => order.length)
// @ts-expect-error overflow is drop-oldest, drop-newest or latest
orders.subscribe({ overflow: 'drop-all' })
// @ts-expect-error replay is 0 or 1
orders.subscribe({ replay: 5 })
expectType<TopicFigures>(orders.figures())
expectType<TopicFigures[]>(runner.topics.figures())

defineService({
  name: 'billing',
  async run (ctx) {
    const iterator = ctx.topics.topic<Order>('orders').subscribe({ signal: ctx.signal, overflow: 'latest', replay: 1 })
    expectType<TopicIterator<Order>>(iterator)
    for await (const order of iterator) {
      expectType<Order>(order)
      // @ts-expect-error the iterator yields orders, which have no `price`
      expectType<number>(order.price)
    }
  },
})

// The runner's own topics: typed, and read-only.
expectType<ReadonlyTopic<LifecycleTransition>>(runner.topics.topic('fsr.lifecycle'))
runner.topics.topic('fsr.health').subscribe((change) => { expectType<HealthChange>(change) })
for await (const event of runner.topics.topic('fsr.restart').subscribe()) expectType<RestartEvent>(event)
// @ts-expect-error the runner's topics cannot be published on
runner.topics.topic('fsr.lifecycle').publish({ service: 'rogue' })
