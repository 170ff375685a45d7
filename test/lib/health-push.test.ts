import assert from 'node:assert/strict'
import diagnostics from 'node:diagnostics_channel'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, healthChannel, type HealthChange, type ServiceContext } from '../../lib/index.ts'
import { captureLogs, type LogCapture } from '../helpers/log-capture.ts'

/** A started runner with services `store` and `api`, and the contexts they got. */
async function startRunner (t: TestContext): Promise<{ store: ServiceContext, api: ServiceContext, logs: LogCapture }> {
  // The first `healthy` of a starting service is logged at debug.
  const logs = captureLogs('debug')
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger: logs.logger })
  const contexts: Record<string, ServiceContext> = {}
  runner.register(defineService({
    name: 'store',
    init (ctx) {
      contexts.store = ctx
      assert.equal(ctx.app.service.health, ctx.health, 'app.service.health is ctx.health')
    },
  }))
  runner.register(async (app) => { contexts.api = app.service }, { service: { name: 'api', dependsOn: ['store'] } })
  await runner.start()
  t.after(() => runner.stop())
  return { store: contexts.store, api: contexts.api, logs }
}

test('a report reaches subscribers at once, after the current status, in order', async (t) => {
  const { store, api } = await startRunner(t)
  const seen: Array<[string | undefined, string, string | undefined]> = []
  api.health.subscribe(['store'], (change) => seen.push([change.previous, change.status, change.reason]))
  assert.deepEqual(seen, [[undefined, 'healthy', undefined]], 'the current status first (running without a check is healthy)')
  store.health.report('degraded', { reason: 'replica lag', lagSeconds: 12 })
  store.health.report('unhealthy', { reason: 'primary lost' })
  store.health.report('healthy')
  assert.deepEqual(seen, [
    [undefined, 'healthy', undefined],
    ['healthy', 'degraded', 'replica lag'],
    ['degraded', 'unhealthy', 'primary lost'],
    ['unhealthy', 'healthy', undefined],
  ])
  const entry = store.health.get()
  assert.equal(entry.status, 'healthy')
  assert.equal(api.health.get('store'), entry)
})

test('the entry keeps reason, detail, since and the time of the last report', async (t) => {
  const { store } = await startRunner(t)
  const before = Date.now()
  store.health.report('degraded', { reason: 'replica lag', lagSeconds: 12 })
  const entry = store.health.get()
  assert.equal(entry.reason, 'replica lag')
  assert.deepEqual(entry.detail, { lagSeconds: 12 })
  assert.ok(entry.since >= before)
  assert.equal(entry.checkedAt, entry.since)
  assert.equal(entry.critical, true)
})

test('a repeated identical report refreshes the time of the check, not the subscribers', async (t) => {
  const { store, api } = await startRunner(t)
  const seen: HealthChange[] = []
  api.health.subscribe('store', (change) => seen.push(change))
  store.health.report('degraded', { reason: 'replica lag', lagSeconds: 12 })
  const first = store.health.get()
  // Wait for the clock to move, so that a refreshed time is observable.
  while (Date.now() === first.checkedAt) await new Promise((resolve) => setImmediate(resolve))
  store.health.report('degraded', { reason: 'replica lag', lagSeconds: 13 })
  assert.equal(seen.length, 2, 'current + one change, not the repeat')
  const second = store.health.get()
  assert.equal(second.since, first.since, 'since is the time of the change')
  assert.ok((second.checkedAt ?? 0) > (first.checkedAt ?? 0), 'checkedAt is the time of the last report')
  assert.deepEqual(second.detail, { lagSeconds: 13 }, 'detail is refreshed too')
})

test('changes are logged and published on the diagnostics channel; repeats are not', async (t) => {
  const published: HealthChange[] = []
  const onMessage = (message: unknown) => { published.push(message as HealthChange) }
  diagnostics.subscribe('fastify-service-runner:health', onMessage)
  t.after(() => diagnostics.unsubscribe('fastify-service-runner:health', onMessage))
  assert.equal(healthChannel.name, 'fastify-service-runner:health')

  const { store, logs } = await startRunner(t)
  store.health.report('unhealthy', { reason: 'disk full' })
  store.health.report('unhealthy', { reason: 'disk full' })
  const mine = published.filter((change) => change.service === 'store')
  assert.deepEqual(mine.map((change) => [change.previous, change.status]), [['unknown', 'healthy'], ['healthy', 'unhealthy']])
  const lines = logs.messages('service health changed').filter((line) => line.service === 'store')
  assert.deepEqual(lines.map((line) => [line.previous, line.status, line.reason]), [['unknown', 'healthy', undefined], ['healthy', 'unhealthy', 'disk full']])
  assert.equal(lines[1].level, 50, 'unhealthy is logged as an error')
})

test('unsubscribe stops the deliveries to that listener only', async (t) => {
  const { store, api } = await startRunner(t)
  const first: string[] = []
  const second: string[] = []
  const unsubscribe = api.health.subscribe('store', (change) => first.push(change.status))
  api.health.subscribe('store', (change) => second.push(change.status))
  store.health.report('degraded')
  unsubscribe()
  unsubscribe()
  store.health.report('unhealthy')
  assert.deepEqual(first, ['healthy', 'degraded'])
  assert.deepEqual(second, ['healthy', 'degraded', 'unhealthy'])
})

test('a listener that throws is logged and the other listeners still hear the change', async (t) => {
  const { store, api, logs } = await startRunner(t)
  const seen: string[] = []
  api.health.subscribe('store', (change) => { if (change.status === 'degraded') throw new Error('listener bug') })
  api.health.subscribe('store', (change) => seen.push(change.status))
  store.health.report('degraded')
  store.health.report('healthy')
  assert.deepEqual(seen, ['healthy', 'degraded', 'healthy'])
  const [line] = logs.messages('health listener failed') as Array<{ service: string, changed: string, err: { message: string } }>
  assert.equal(line.service, 'api', 'logged by the subscriber')
  assert.equal(line.changed, 'store')
  assert.equal(line.err.message, 'listener bug')
})

test('a change reported by a listener reaches every listener after the change that caused it', async (t) => {
  const { store, api } = await startRunner(t)
  const seen: string[] = []
  api.health.subscribe('store', (change) => { if (change.status === 'degraded') store.health.report('unhealthy') })
  api.health.subscribe('store', (change) => seen.push(change.status))
  store.health.report('degraded')
  assert.deepEqual(seen, ['healthy', 'degraded', 'unhealthy'])
})

test('the async iterator delivers the current status then every change, and ends on abort', async (t) => {
  const { store, api } = await startRunner(t)
  const controller = new AbortController()
  const iterator = api.health.watch(['store'], { signal: controller.signal })
  store.health.report('degraded')
  store.health.report('unhealthy')
  const statuses: string[] = []
  for await (const change of iterator) {
    statuses.push(change.status)
    if (change.status === 'unhealthy') {
      // A pending next() ends too when the signal aborts.
      const pending = iterator.next()
      controller.abort()
      assert.deepEqual(await pending, { done: true, value: undefined })
    }
  }
  assert.deepEqual(statuses, ['healthy', 'degraded', 'unhealthy'])
  store.health.report('healthy')
  assert.deepEqual(await iterator.next(), { done: true, value: undefined }, 'nothing after the end')
})

test('leaving the loop unsubscribes; an aborted signal ends the iteration at once', async (t) => {
  const { store, api } = await startRunner(t)
  for await (const change of api.health.watch('store')) {
    assert.equal(change.status, 'healthy')
    break
  }
  const aborted = api.health.watch('store', { signal: AbortSignal.abort() })
  assert.deepEqual(await aborted.next(), { done: true, value: undefined })
  store.health.report('degraded')
})

test('subscribing to an unknown service, or reporting a bad status, is a clear error', async (t) => {
  const { store, api } = await startRunner(t)
  assert.throws(() => api.health.subscribe(['store', 'cache'], () => {}), {
    code: 'FSR_ERR_UNKNOWN_SERVICE',
    message: 'health.subscribe(): no service named "cache" (known: store, api)',
  })
  assert.throws(() => api.health.watch('cache'), { code: 'FSR_ERR_UNKNOWN_SERVICE' })
  assert.throws(() => api.health.get('cache'), { code: 'FSR_ERR_UNKNOWN_SERVICE' })
  assert.throws(() => store.health.report('fine' as never), {
    code: 'FSR_ERR_INVALID_HEALTH',
    message: /health\.report\(\) of service "store": got "fine"; expected a status: one of healthy, degraded, unhealthy, unknown/,
  })
  assert.throws(() => store.health.report('degraded', { reason: 42 } as never), { code: 'FSR_ERR_INVALID_HEALTH', message: /reason: got 42; expected a string/ })
  assert.equal(store.health.get().status, 'healthy', 'a refused report changes nothing')
})
