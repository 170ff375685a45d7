import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type Runner, type RunnerOptions } from '../../../lib/index.ts'
import { waitFor } from '../../helpers/fixture-process.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

function createTestRunner (t: TestContext, options: RunnerOptions = {}): Runner {
  const runner = createRunner({ server: { port: 0 }, admin: { port: 0 }, signals: false, logger: captureLogs('warn').logger, ...options })
  t.after(() => runner.stop().catch(() => {}))
  return runner
}

test('before start: live, not ready, health unknown (503)', async (t) => {
  const runner = createTestRunner(t)
  runner.register(defineService({ name: 'store' }))
  const admin = runner.admin!
  const live = await admin.inject('/health/live')
  assert.equal(live.statusCode, 200)
  assert.equal(live.json().live, true)
  for (const url of ['/health/ready', '/ready']) {
    const ready = await admin.inject(url)
    assert.equal(ready.statusCode, 503, url)
    assert.deepEqual(ready.json(), { ready: false, runner: 'created', unhealthy: [] })
  }
  const health = await admin.inject('/health')
  assert.equal(health.statusCode, 503)
  assert.equal(health.json().services.store.state, 'registered')
  assert.equal(health.json().services.store.health, 'unknown')
})

test('once started: healthy, ready, every service listed with state, health and since', async (t) => {
  const runner = createTestRunner(t)
  runner.register(defineService({ name: 'store' }))
  runner.register(defineService({ name: 'api', dependsOn: ['store'] }))
  await runner.start()
  const health = await runner.admin!.inject('/health')
  assert.equal(health.statusCode, 200)
  const body = health.json()
  assert.equal(body.status, 'healthy')
  assert.equal(body.ready, true)
  assert.equal(body.live, true)
  assert.equal(body.runner, 'running')
  // Health-only entries (the built-in `process`) are listed too, without a lifecycle state.
  assert.deepEqual(Object.keys(body.services).filter((name) => body.services[name].state !== undefined), ['store', 'api'])
  assert.equal(body.services.store.critical, true)
  assert.equal(body.services.api.state, 'running')
  assert.equal(body.services.api.health, 'healthy')
  assert.equal(typeof body.services.api.since, 'number')
  assert.equal(typeof body.services.api.stateSince, 'number')
  assert.equal(typeof body.services.api.lastCheck, 'number', 'running without a check is news: healthy, checked now')
  for (const url of ['/health/ready', '/ready']) {
    const ready = await runner.admin!.inject(url)
    assert.equal(ready.statusCode, 200, url)
    assert.deepEqual(ready.json(), { ready: true, runner: 'running', unhealthy: [] })
  }
})

test('a failed service makes the process unhealthy and not ready, with a reason and no stack', async (t) => {
  const runner = createTestRunner(t)
  let fail: (err: Error) => void = () => {}
  runner.register(defineService({
    name: 'consumer',
    run: () => new Promise((resolve, reject) => { fail = reject }),
  }))
  await runner.start()
  fail(new Error('queue connection lost'))
  await waitFor(() => runner.states()[0].state === 'failed')
  const health = await runner.admin!.inject('/health')
  assert.equal(health.statusCode, 503)
  const body = health.json()
  assert.equal(body.status, 'unhealthy')
  assert.equal(body.services.consumer.health, 'unhealthy')
  assert.match(body.services.consumer.reason, /queue connection lost/)
  assert.doesNotMatch(health.body, /\n\s+at /, 'no stack trace')
  const ready = await runner.admin!.inject('/health/ready')
  assert.equal(ready.statusCode, 503)
  assert.deepEqual(ready.json().unhealthy, ['consumer'])
})

test('/services lists states, health, restarts and the timeline with times', async (t) => {
  const runner = createTestRunner(t)
  runner.register(defineService({ name: 'store' }))
  await runner.start()
  const response = await runner.admin!.inject('/services')
  assert.equal(response.statusCode, 200)
  const { runner: status, services } = response.json()
  assert.equal(status, 'running')
  assert.equal(services.length, 1)
  const [store] = services
  assert.equal(store.name, 'store')
  assert.equal(store.state, 'running')
  assert.equal(store.health, 'healthy')
  assert.equal(store.restarts, 0)
  assert.deepEqual(store.timeline.map((step: { to: string }) => step.to), ['initiating', 'initiated', 'starting', 'running'])
  assert.equal(store.timeline[0].from, undefined)
  assert.equal(store.timeline[1].from, 'initiating')
  for (const step of store.timeline) {
    assert.equal(typeof step.at, 'number')
    assert.ok(step.duration >= 0)
  }
})

test('the health routes answer HEAD, for probes; the others do not run their GET for one', async (t) => {
  const admin = createTestRunner(t).admin!
  for (const url of ['/health', '/health/live', '/health/ready', '/ready']) {
    const [get, head] = [await admin.inject(url), await admin.inject({ method: 'HEAD', url })]
    assert.equal(head.statusCode, get.statusCode, url)
    assert.equal(head.headers['content-type'], get.headers['content-type'], url)
    assert.equal(head.body, '', url)
  }
  // A HEAD that ran its GET took a CPU profile, wrote a heap snapshot, or held an event stream open.
  for (const url of ['/debug/pprof/profile?seconds=1', '/debug/heapsnapshot', '/events', '/metrics', '/services']) {
    const head = await admin.inject({ method: 'HEAD', url })
    assert.equal(head.statusCode, 405, url)
    assert.equal(head.headers.allow, 'GET', url)
  }
})

test('unknown routes answer 404, wrong methods 405 with Allow', async (t) => {
  const admin = createTestRunner(t).admin!
  const missing = await admin.inject('/nothing-here')
  assert.equal(missing.statusCode, 404)
  const wrong = await admin.inject({ method: 'DELETE', url: '/health' })
  assert.equal(wrong.statusCode, 405)
  assert.equal(wrong.headers.allow, 'GET, HEAD')
  assert.equal(wrong.json().code, 'FSR_ERR_METHOD_NOT_ALLOWED')
  const parametric = await admin.inject({ method: 'POST', url: '/log-level/store' })
  assert.equal(parametric.statusCode, 405)
  assert.match(String(parametric.headers.allow), /PUT/)
})
