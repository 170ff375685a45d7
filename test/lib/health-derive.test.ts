import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type HealthChange, type Runner, type ServiceContext, type DerivedByRule } from '../../lib/index.ts'
import { deriveStatus } from '../../lib/health-derive.ts'
import { captureLogs, type LogCapture } from '../helpers/log-capture.ts'

interface Chain {
  readonly runner: Runner
  readonly logs: LogCapture
  readonly ctx: Record<string, ServiceContext>
}

/** Starts store → ledger → wallet, each following the one before with `rule`. */
async function startChain (t: TestContext, rule: DerivedByRule = {}): Promise<Chain> {
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger: logs.logger })
  t.after(() => runner.stop())
  const ctx: Record<string, ServiceContext> = {}
  const remember = (context: ServiceContext) => { ctx[context.name] = context }
  runner.register(defineService({ name: 'store', init: remember }))
  runner.register(defineService({ name: 'ledger', dependsOn: ['store'], health: { follow: ['store'], ...rule }, init: remember }))
  runner.register(defineService({ name: 'wallet', dependsOn: ['ledger'], health: { follow: ['ledger'], ...rule }, init: remember }))
  await runner.start()
  return { runner, logs, ctx }
}

function statusesOf (runner: Runner): Record<string, string> {
  return Object.fromEntries(Object.entries(runner.health().services).map(([name, entry]) => [name, entry.status]))
}

test('by default an unhealthy store makes ledger and wallet degraded, and recovery goes back up the chain', async (t) => {
  const { runner, ctx } = await startChain(t)
  assert.deepEqual(statusesOf(runner), { store: 'healthy', ledger: 'healthy', wallet: 'healthy' })
  const seen: Array<[string, string]> = []
  ctx.wallet.health.subscribe(['store', 'ledger', 'wallet'], (change) => seen.push([change.service, change.status]))
  seen.length = 0

  ctx.store.health.report('unhealthy', { reason: 'disk full' })
  assert.deepEqual(statusesOf(runner), { store: 'unhealthy', ledger: 'degraded', wallet: 'degraded' })
  assert.deepEqual(seen, [['store', 'unhealthy'], ['ledger', 'degraded'], ['wallet', 'degraded']], 'in order, down the chain')
  const ledger = runner.health().services.ledger
  assert.equal(ledger.reason, 'follows store (unhealthy)')
  assert.equal(ledger.derived, 'degraded')
  assert.deepEqual(ledger.detail, { follows: { store: 'unhealthy' } })
  assert.equal(runner.health().services.wallet.reason, 'follows ledger (degraded)')

  seen.length = 0
  ctx.store.health.report('healthy')
  assert.deepEqual(statusesOf(runner), { store: 'healthy', ledger: 'healthy', wallet: 'healthy' })
  assert.deepEqual(seen, [['store', 'healthy'], ['ledger', 'healthy'], ['wallet', 'healthy']])
  assert.equal(runner.health().services.wallet.reason, undefined)
})

test("unhealthyWhen: 'any' carries unhealthy down the whole chain", async (t) => {
  const { runner, ctx, logs } = await startChain(t, { unhealthyWhen: 'any' })
  ctx.store.health.report('unhealthy', { reason: 'disk full' })
  assert.deepEqual(statusesOf(runner), { store: 'unhealthy', ledger: 'unhealthy', wallet: 'unhealthy' })
  const logged = logs.messages('service health changed').filter((line) => line.status === 'unhealthy')
  assert.deepEqual(logged.map((line) => [line.service, line.reason]), [
    ['store', 'disk full'], ['ledger', 'follows store (unhealthy)'], ['wallet', 'follows ledger (unhealthy)'],
  ])
  ctx.store.health.report('degraded')
  assert.deepEqual(statusesOf(runner), { store: 'degraded', ledger: 'degraded', wallet: 'degraded' })
  ctx.store.health.report('healthy')
  assert.deepEqual(statusesOf(runner), { store: 'healthy', ledger: 'healthy', wallet: 'healthy' })
})

test("a follower's own status combines with the derived one as the worse of the two", async (t) => {
  const { runner, ctx } = await startChain(t, { unhealthyWhen: 'any' })
  ctx.ledger.health.report('degraded', { reason: 'slow writes' })
  assert.equal(runner.health().services.ledger.reason, 'slow writes')
  ctx.store.health.report('unhealthy')
  assert.equal(runner.health().services.ledger.status, 'unhealthy')
  assert.equal(runner.health().services.ledger.reason, 'follows store (unhealthy)')
  ctx.store.health.report('healthy')
  assert.equal(runner.health().services.ledger.status, 'degraded', 'back to its own status')
  assert.equal(runner.health().services.ledger.reason, 'slow writes')
  assert.equal(runner.health().services.wallet.status, 'degraded')
})

test("unhealthyWhen: 'all' and a derive function decide for several followed services", async (t) => {
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger: logs.logger })
  t.after(() => runner.stop())
  const ctx: Record<string, ServiceContext> = {}
  const remember = (context: ServiceContext) => { ctx[context.name] = context }
  runner.register(defineService({ name: 'replica-a', init: remember }))
  runner.register(defineService({ name: 'replica-b', init: remember }))
  runner.register(defineService({ name: 'reads', health: { follow: ['replica-a', 'replica-b'], unhealthyWhen: 'all' } }))
  runner.register(defineService({
    name: 'writes',
    health: { follow: ['replica-a'], derive: (statuses) => statuses['replica-a'] === 'healthy' ? 'healthy' : 'unhealthy' },
  }))
  await runner.start()
  ctx['replica-a'].health.report('unhealthy')
  assert.equal(runner.health().services.reads.status, 'degraded', 'one of two is not all')
  assert.equal(runner.health().services.writes.status, 'unhealthy', 'the derive function decides')
  ctx['replica-b'].health.report('unhealthy')
  assert.equal(runner.health().services.reads.status, 'unhealthy')
  assert.equal(runner.health().services.reads.reason, 'follows replica-a (unhealthy), replica-b (unhealthy)')
})

test('a derive function that throws counts as unknown and is logged', async (t) => {
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger: logs.logger })
  t.after(() => runner.stop())
  let store!: ServiceContext
  runner.register(defineService({ name: 'store', init (ctx) { store = ctx } }))
  runner.register(defineService({ name: 'api', health: { follow: ['store'], derive: () => { throw new Error('rule bug') } } }))
  await runner.start()
  store.health.report('degraded')
  assert.equal(runner.health().services.api.status, 'healthy', 'its own status stands')
  assert.equal(runner.health().services.api.derived, 'unknown')
  const line = logs.messages('health derive failed').find((l) => l.service === 'api') as { err: { message: string } }
  assert.equal(line.err.message, 'rule bug')
})

test('the default rule, case by case', () => {
  assert.deepEqual(deriveStatus({ a: 'healthy', b: 'unknown' }, {}), { status: 'healthy' })
  assert.deepEqual(deriveStatus({ a: 'unknown' }, {}), { status: 'unknown' })
  assert.deepEqual(deriveStatus({ a: 'healthy', b: 'unhealthy' }, {}), { status: 'degraded' })
  assert.deepEqual(deriveStatus({ a: 'healthy', b: 'unhealthy' }, { unhealthyWhen: 'any' }), { status: 'unhealthy' })
  assert.deepEqual(deriveStatus({ a: 'unknown', b: 'unhealthy' }, { unhealthyWhen: 'all' }), { status: 'degraded' })
  assert.deepEqual(deriveStatus({ a: 'degraded' }, { unhealthyWhen: 'any' }), { status: 'degraded' })
  assert.equal(deriveStatus({ a: 'healthy' }, { derive: () => 'fine' as never }).status, 'unknown')
})

test('following a service that is not registered yet, or bad health options, fail at registration', () => {
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger: captureLogs().logger })
  runner.register(defineService({ name: 'store' }))
  assert.throws(() => runner.register(defineService({ name: 'api', health: { follow: ['cache'] } })), {
    code: 'FSR_ERR_UNKNOWN_SERVICE',
    message: 'service "api" health.follow: no service named "cache" (known: store)',
  })
  assert.deepEqual(runner.states().map((state) => state.name), ['store'], 'nothing of the refused service is kept')
  assert.throws(() => defineService({
    name: 'api',
    health: { follow: 'store', unhealthyWhen: 'some', critical: 'yes', interval: 0, timeout: -1, colour: 'red' } as never,
  }), (err: Error & { code: string, problems: string[] }) => {
    assert.equal(err.code, 'FSR_ERR_INVALID_SERVICE')
    assert.equal(err.problems.length, 6, err.message)
    for (const expected of [
      /health\.colour: got "red"; expected no such key/,
      /health\.interval: got 0; expected an integer from 1/,
      /health\.timeout: got -1/,
      /health\.critical: got "yes"; expected true or false/,
      /health\.follow: got "store"; expected an array of names/,
      /health\.unhealthyWhen: got "some"; expected one of never, any, all/,
    ]) assert.match(err.message, expected)
    return true
  })
  assert.throws(() => runner.register(async () => {}, { service: { name: 'plain', health: { interval: 5 } as never } }), {
    code: 'FSR_ERR_INVALID_SERVICE',
    message: /health\.interval: got 5; expected no such key \(accepted: critical, follow, unhealthyWhen, derive\)/,
  })
})

test('changes of a followed service reach a follower only when its own entry changes', async (t) => {
  const { ctx } = await startChain(t)
  const seen: HealthChange[] = []
  ctx.wallet.health.subscribe('ledger', (change) => seen.push(change))
  ctx.store.health.report('degraded')
  ctx.store.health.report('unhealthy')
  // ledger stays degraded, but why changed: that is news.
  assert.deepEqual(seen.map((change) => [change.status, change.reason]), [
    ['healthy', undefined], ['degraded', 'follows store (degraded)'], ['degraded', 'follows store (unhealthy)'],
  ])
})
