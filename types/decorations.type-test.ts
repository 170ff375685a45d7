// Type tests: a service declares what it decorates; the services that name it in `dependsOn` see
// those decorations on `ctx.app` without a `declare module 'fastify'`. Checked by `npm run test:types`.
import type { FastifyInstance } from 'fastify'
import { createRunner, defineService } from '../lib/index.ts'
import type { Service, ServiceContext } from './index.ts'

function expectType<T> (value: T): T { return value }

interface Store { read (key: string): Promise<string | undefined> }
interface Clock { now (): number }

const store = defineService<{ kv: Store }>({
  name: 'store',
  async init (ctx) {
    expectType<FastifyInstance>(ctx.app)
    ctx.app.decorate('kv', { read: async () => undefined })
  },
})
expectType<Service<{ kv: Store }>>(store)
const clock = defineService<{ clock: Clock }>({ name: 'clock', init: (ctx) => { ctx.app.decorate('clock', { now: Date.now }) } })

// A dependent names the service itself (not only its name) and sees what it decorates, in every hook.
const notes = defineService({
  name: 'notes',
  dependsOn: [store, clock, 'metrics'],
  async init (ctx) {
    expectType<Store>(ctx.app.kv)
    expectType<number>(ctx.app.clock.now())
    expectType<ServiceContext>(ctx.app.service)
  },
  async check (ctx) { await ctx.app.kv.read('ping'); return { status: 'healthy' } },
  async stop (ctx) { expectType<Clock>(ctx.app.clock) },
})
// What a service's dependencies decorate is carried on: the services after it see it too.
defineService({ name: 'digest', dependsOn: [notes], async run (ctx) { expectType<Store>(ctx.app.kv) } })
// A service that depends on one and decorates too names both.
const cache = defineService<{ cache: Map<string, string> }, [typeof store]>({
  name: 'cache',
  dependsOn: [store],
  async init (ctx) { expectType<Store>(ctx.app.kv); ctx.app.decorate('cache', new Map()) },
})
// A service that decorates may name its dependencies (names type nothing).
defineService<{ flags: Set<string> }>({ name: 'flags', dependsOn: ['store', 'clock'], init (ctx) { ctx.app.decorate('flags', new Set()) } })
defineService({ name: 'api', dependsOn: [cache], init (ctx) { expectType<Map<string, string>>(ctx.app.cache); expectType<Store>(ctx.app.kv) } })

const runner = createRunner({ signals: false })
runner.register(store).register(clock).register(notes)
// Services with decorations are registered and depended on as any other.
runner.register(async () => {}, { service: { name: 'web', dependsOn: [store, 'notes'] } })

// @ts-expect-error a service sees only what its dependencies decorate
defineService({ name: 'x', dependsOn: [clock], init (ctx) { void ctx.app.kv } })
// @ts-expect-error without dependsOn nothing is decorated
defineService({ name: 'y', init (ctx) { void ctx.app.clock } })
// @ts-expect-error decorations keep their types
defineService({ name: 'z', dependsOn: [clock], init (ctx) { expectType<string>(ctx.app.clock.now()) } })
// @ts-expect-error dependsOn takes names and services, nothing else
defineService({ name: 'w', dependsOn: [42] })
