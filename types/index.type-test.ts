// Type tests of the public contract, checked by `npm run test:types` (tsc). Each `@ts-expect-error`
// fails the check when the contract stops rejecting what it must reject.
import type { Meter, Tracer } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'
import { createRunner, defineService } from '../lib/index.ts'
import type { AggregateHealth, HealthChange, HealthEntry, HealthStatus, LifecycleState, LifecycleTransition, LifecycleWatch, Runner, RunnerStatus, Service, ServiceContext, ServiceHealth, ServiceStateSnapshot, WatchAnyOptions, WatchCondition } from './index.ts'

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

// Health: push, follow, check, aggregate.
defineService({
  name: 'ledger',
  health: { follow: ['store'], unhealthyWhen: 'any', critical: false, interval: 1_000, timeout: 100 },
  async check () { return { status: 'degraded', detail: { reason: 'replica lag', seconds: 3 } } },
  init (ctx) {
    expectType<ServiceHealth>(ctx.health)
    ctx.health.report('degraded', { reason: 'slow writes', p99: 120 })
    expectType<HealthEntry>(ctx.health.get('store'))
    expectType<() => void>(ctx.health.subscribe(['store'], (change) => { expectType<HealthStatus | undefined>(change.previous) }))
    expectType<AsyncIterableIterator<HealthChange>>(ctx.health.watch('store', { signal: ctx.signal }))
  },
})
defineService({ name: 'wallet', health: { follow: ['ledger'], derive: (statuses) => statuses.ledger === 'healthy' ? 'healthy' : 'degraded' } })
// @ts-expect-error statuses are healthy, degraded, unhealthy or unknown
defineService({ name: 'x', check: () => 'fine' })
// @ts-expect-error the derivation rule is never, any or all
defineService({ name: 'x', health: { follow: ['store'], unhealthyWhen: 'most' } })
// A plain plugin as a service: a passive check and a drain, with ctx as a definition's hooks get it.
runner.register(async () => {}, {
  connectionString: 'postgres://localhost/app',
  service: {
    name: 'pg',
    health: { interval: 1_000, timeout: 100, follow: ['store'], derive: (statuses) => statuses.store ?? 'unknown' },
    async check (ctx) { expectType<ServiceContext>(ctx); return { status: 'degraded', detail: { reason: 'replica lag' } } },
    async drain (ctx) { expectType<AbortSignal>(ctx.signal) },
  },
})
// @ts-expect-error a plain plugin's check returns a health status
runner.register(async () => {}, { service: { name: 'p', check: () => 'fine' } })
expectType<AggregateHealth>(runner.health())
expectType<ServiceHealth>(runner.addHealthSource('disk', { critical: false }))
createRunner({ health: { interval: 10_000, timeout: 1_000 }, pressure: { maxHeapUsedBytes: 1e9, retryAfter: 5 } })
createRunner({ pressure: false })
// @ts-expect-error pressure thresholds are numbers
createRunner({ pressure: { maxRssBytes: '1GB' } })

// Prestart pipeline.
createRunner({
  prestart: [{
    name: 'migrate',
    timeout: 0,
    async run (ctx) {
      expectType<string>(ctx.name)
      expectType<number>(ctx.attempt)
      expectType<AbortSignal>(ctx.signal)
      expectType<boolean>(ctx.upgrade.isUpgrade)
      ctx.log.info('migrating')
    },
  }],
  prestartFailure: { retry: true, delay: 1_000, maxAttempts: 0 },
})
expectType<Runner>(runner.prestart({ name: 'wait-for-db', run: () => {} }))
// @ts-expect-error a stage needs a run
runner.prestart({ name: 'x' })
// @ts-expect-error retry is true or false
createRunner({ prestartFailure: { retry: 'yes' } })
// @ts-expect-error a stage's context has no app: nothing is loaded yet
createRunner({ prestart: [{ name: 'x', run: (ctx) => ctx.app }] })
// Watching lifecycles: `ctx.watch` and `runner.watch` share one contract.
defineService({
  name: 'watcher',
  async run (ctx) {
    expectType<LifecycleWatch>(ctx.watch)
    expectType<Promise<readonly string[]>>(ctx.watch.until({ all: ['store', 'cache'], state: 'running' }, { signal: ctx.signal, timeout: 500 }))
    expectType<Promise<readonly string[]>>(ctx.watch.until({ any: ['store'], state: 'failed' }))
    for await (const transition of ctx.watch.states({ include: ['store'], exclude: ['cache'], signal: ctx.signal })) expectType<LifecycleTransition>(transition)
    expectType<AsyncIterableIterator<LifecycleTransition>>(ctx.watch.any(['store'], { entering: 'running' }))
    expectType<AsyncIterableIterator<LifecycleTransition>>(ctx.watch.any('store', { exiting: 'running', signal: ctx.signal }))
    expectType<AsyncIterableIterator<LifecycleTransition>>(ctx.watch.any('store', { notIn: 'running' }))
  },
})
expectType<LifecycleWatch>(runner.watch)
const condition: WatchCondition = { all: ['store'], state: 'stopped' }
expectType<WatchAnyOptions>({ entering: 'running' })
// @ts-expect-error a condition is over `all` or `any` of the names, not both
runner.watch.until({ all: ['store'], any: ['cache'], state: 'running' })
// @ts-expect-error a condition names a state
runner.watch.until({ all: ['store'] })
// @ts-expect-error states are the lifecycle's own
runner.watch.until({ ...condition, state: 'asleep' })
// @ts-expect-error one of entering, exiting or notIn, not two
runner.watch.any('store', { entering: 'running', exiting: 'starting' })
// @ts-expect-error any() needs one of entering, exiting or notIn
runner.watch.any('store', {})
// @ts-expect-error `registered` is no lifecycle state: nothing enters it
runner.watch.any('store', { notIn: 'registered' })
// @ts-expect-error the options of states() are include, exclude and signal
runner.watch.states({ only: ['store'] })
// Not only literals: an object built elsewhere with two of them is refused too.
const enteringAndExiting = { entering: 'running', exiting: 'starting' } as const
// @ts-expect-error one of entering, exiting or notIn, not two
runner.watch.any('store', enteringAndExiting)
const allAndAny = { all: ['store'], any: ['cache'], state: 'running' } as const
// @ts-expect-error a condition is over `all` or `any` of the names, not both
runner.watch.until(allAndAny)

// Tasks (`once: true`): a run that completes, watched through the `completed` state.
const migrate = defineService({ name: 'migrate', once: true, timeouts: { ready: 600_000 }, run: async (ctx) => { ctx.log.info('migrating') } })
expectType<boolean | undefined>(migrate.definition.once)
expectType<LifecycleState>('completed')
runner.watch.until({ all: ['migrate'], state: 'completed' })
// @ts-expect-error once is true or false
defineService({ name: 'x', once: 'yes', run: async () => {} })
// @ts-expect-error a plain plugin has no run, so it cannot be a task
runner.register(async () => {}, { service: { name: 'p', once: true } })

// Telemetry: a tracer and a meter per service; the option takes names or exporters of the program's own.
defineService({
  name: 'traced',
  async init (ctx) {
    expectType<Tracer>(ctx.tracer)
    expectType<Meter>(ctx.meter)
  },
})
createRunner({ telemetry: { tracesExporter: 'otlp', protocol: 'grpc', sampler: 'parentbased_traceidratio', samplerArg: 0.1, resourceDetectors: ['host'] } })
createRunner({ telemetry: false })
// @ts-expect-error the exporters are otlp, console, none or an exporter object
createRunner({ telemetry: { tracesExporter: 'zipkin' } })
// @ts-expect-error the protocols are http/protobuf, http/json and grpc
createRunner({ telemetry: { protocol: 'thrift' } })
