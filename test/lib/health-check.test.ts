import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type HealthCheckResult, type ServiceContext } from '../../lib/index.ts'
import { HealthPoller } from '../../lib/health-poller.ts'
import type { HealthReport } from '../../lib/health-report.ts'
import { captureLogs } from '../helpers/log-capture.ts'
import { waitForHealth } from '../helpers/wait-for-health.ts'

/** A poller on mock timers whose check the test settles by hand. */
function createPoller (t: TestContext, options: { interval: number, timeout: number }) {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const checks: Array<{ resolve: (result: HealthCheckResult) => void, reject: (err: Error) => void }> = []
  const results: HealthReport[] = []
  let onNext: (() => void) | undefined
  const poller = new HealthPoller({
    name: 'store',
    ...options,
    check: () => new Promise<HealthCheckResult>((resolve, reject) => { checks.push({ resolve, reject }) }),
    onResult: (report) => {
      results.push(report)
      onNext?.()
    },
  })
  t.after(() => poller.stop())
  const nextResult = () => new Promise<void>((resolve) => { onNext = resolve })
  return { poller, checks, results, nextResult }
}

test('a check slower than its interval never piles up: the next one starts an interval after it ended', async (t) => {
  const { poller, checks, results, nextResult } = createPoller(t, { interval: 100, timeout: 0 })
  poller.start()
  assert.equal(checks.length, 1, 'the first check starts at once')
  t.mock.timers.tick(1_000)
  assert.equal(checks.length, 1, 'ten intervals later, still the one slow check')
  const ended = nextResult()
  checks[0].resolve('healthy')
  await ended
  assert.deepEqual(results, [{ status: 'healthy' }])
  t.mock.timers.tick(99)
  assert.equal(checks.length, 1)
  t.mock.timers.tick(1)
  assert.equal(checks.length, 2, 'the next check, one interval after the last ended')
})

test('a check that times out makes the service unhealthy, and polling goes on', async (t) => {
  const { poller, checks, results, nextResult } = createPoller(t, { interval: 100, timeout: 50 })
  poller.start()
  const timedOut = nextResult()
  t.mock.timers.tick(49)
  assert.equal(results.length, 0)
  t.mock.timers.tick(1)
  await timedOut
  assert.equal(results[0].status, 'unhealthy')
  assert.equal(results[0].reason, 'service "store" did not finish "check" within 50 ms')
  assert.deepEqual(results[0].detail, { code: 'FSR_ERR_TIMEOUT' })
  t.mock.timers.tick(100)
  assert.equal(checks.length, 2)
  const recovered = nextResult()
  checks[1].resolve({ status: 'degraded', detail: { reason: 'slow', p99: 120 } })
  await recovered
  assert.deepEqual(results[1], { status: 'degraded', reason: 'slow', detail: { p99: 120 } })
})

test('a check that throws or returns no status is unhealthy with the error as reason', async (t) => {
  const { poller, checks, results, nextResult } = createPoller(t, { interval: 100, timeout: 0 })
  poller.start()
  let next = nextResult()
  checks[0].reject(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }))
  await next
  assert.deepEqual(results[0], { status: 'unhealthy', reason: 'connection refused', detail: { code: 'ECONNREFUSED' } })
  t.mock.timers.tick(100)
  next = nextResult()
  checks[1].resolve('fine' as never)
  await next
  assert.equal(results[1].status, 'unhealthy')
  assert.match(results[1].reason ?? '', /check\(\) of service "store": got "fine"; expected a status/)
  assert.deepEqual(results[1].detail, { code: 'FSR_ERR_INVALID_HEALTH' })
})

test('stop cancels the next check and drops the result of one in flight', async (t) => {
  const { poller, checks, results, nextResult } = createPoller(t, { interval: 100, timeout: 0 })
  poller.start()
  const first = nextResult()
  checks[0].resolve('healthy')
  await first
  t.mock.timers.tick(100)
  assert.equal(checks.length, 2)
  poller.stop()
  assert.equal(poller.isPolling, false)
  checks[1].resolve('unhealthy')
  // Let the dropped result travel through every promise it would take.
  await new Promise((resolve) => setImmediate(resolve))
  t.mock.timers.tick(1_000)
  assert.equal(checks.length, 2, 'no check after stop')
  assert.deepEqual(results, [{ status: 'healthy' }], 'the check in flight reported nothing')
})

test('a service check is polled from running: its result, then its throw, set the health', async (t) => {
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger: logs.logger, health: { interval: 60_000 } })
  t.after(() => runner.stop())
  let checksBeforeRunning: number | undefined
  let calls = 0
  let ctx!: ServiceContext
  runner.register(defineService({
    name: 'store',
    health: { interval: 1 },
    init (context) { ctx = context },
    ready () { checksBeforeRunning = calls; return true },
    check () {
      calls++
      if (calls === 1) return { status: 'degraded', detail: { reason: 'replica lag', lagSeconds: 3 } }
      throw new Error('connection refused')
    },
  }))
  runner.register(defineService({ name: 'cache', check: () => 'healthy' }))
  await runner.start()
  assert.equal(checksBeforeRunning, 0, 'no check before the service runs')
  const degraded = await waitForHealth(ctx.health, 'store', (change) => change.status === 'degraded')
  assert.equal(degraded.reason, 'replica lag')
  assert.deepEqual(degraded.detail, { lagSeconds: 3 })
  const unhealthy = await waitForHealth(ctx.health, 'store', (change) => change.status === 'unhealthy')
  assert.equal(unhealthy.reason, 'connection refused')
  const cache = await waitForHealth(ctx.health, 'cache', (change) => change.status !== 'unknown')
  assert.equal(cache.status, 'healthy')
})

test('a service that fails is unhealthy with its error as reason', async (t) => {
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger: logs.logger })
  t.after(() => runner.stop())
  let fail!: (err: Error) => void
  let ctx!: ServiceContext
  runner.register(defineService({
    name: 'consumer',
    init (context) { ctx = context },
    run: () => new Promise((resolve, reject) => { fail = reject }),
  }))
  await runner.start()
  assert.equal(runner.health().services.consumer.status, 'healthy')
  fail(new Error('queue lost'))
  const change = await waitForHealth(ctx.health, 'consumer', (c) => c.status === 'unhealthy')
  assert.match(change.reason ?? '', /queue lost/)
  assert.deepEqual(change.detail, { state: 'failed', code: 'FSR_ERR_SERVICE_RUN' })
  assert.equal(runner.health().status, 'unhealthy')
})
