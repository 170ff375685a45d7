// Type tests of the public contract, checked by `npm run test:types` (tsc). Each `@ts-expect-error`
// fails the check when the contract stops rejecting what it must reject.
import type { FastifyInstance } from 'fastify'
import { createRunner, defineService } from '../lib/index.ts'
import type { LifecycleState, Runner, RunnerStatus, Service, ServiceContext, ServiceStateSnapshot } from './index.ts'

function expectType<T> (value: T): T { return value }

const service = defineService({
  name: 'store',
  dependsOn: [],
  async init (ctx) {
    expectType<string>(ctx.name)
    expectType<FastifyInstance>(ctx.app)
    expectType<AbortSignal>(ctx.signal)
    expectType<ServiceContext>(ctx.app.service)
  },
  async ready () { return true },
  timeouts: { init: 1, ready: 2, stop: 3 },
})
expectType<Service>(service)

// @ts-expect-error a service needs a name
defineService({ init: async () => {} })
// @ts-expect-error hooks take the context, not arbitrary values
defineService({ name: 'x', init: 42 })
// @ts-expect-error timeouts are per phase: init, ready, stop
defineService({ name: 'x', timeouts: { boot: 1 } })

const runner: Runner = createRunner({ server: { port: 0, host: '127.0.0.1' }, signals: false, shutdown: { drainDelay: 0 } })
runner.register(service)
runner.register(async (app) => { expectType<ServiceContext>(app.service) }, { service: { name: 'api', dependsOn: ['store'] } })
expectType<Promise<void>>(runner.start())
expectType<Promise<void>>(runner.stop())
expectType<ServiceStateSnapshot[]>(runner.states())
expectType<LifecycleState | 'registered'>(runner.states()[0].state)
expectType<RunnerStatus>(runner.status)
expectType<boolean>(runner.isReady)

createRunner({ server: false })
// @ts-expect-error SIGHUP is reserved for upgrade, never a shutdown signal
createRunner({ signals: ['SIGHUP'] })
// @ts-expect-error the runner sets the logger of the root instance itself
createRunner({ fastify: { logger: true } })
// @ts-expect-error log formats are json or pretty
createRunner({ log: { format: 'xml' } })
// @ts-expect-error a plain plugin's service options carry no hooks
runner.register(async () => {}, { service: { name: 'p', init: async () => {} } })
