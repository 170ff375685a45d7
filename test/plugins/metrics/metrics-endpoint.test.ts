import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { Counter, Registry } from 'prom-client'
import { createRunner, defineService, type Runner, type RunnerOptions } from '../../../lib/index.ts'
import { waitFor } from '../../helpers/fixture-process.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

async function startRunner (t: TestContext, options: RunnerOptions = {}): Promise<Runner> {
  const runner = createRunner({ server: { port: 0 }, admin: { port: 0 }, signals: false, logger: captureLogs('warn').logger, ...options })
  runner.register(defineService({
    name: 'orders',
    async init (ctx) {
      const placed = new Counter({ name: 'orders_placed_total', help: 'Orders placed', registers: [ctx.metrics] })
      // A route registered by a service, after the metrics plugin: it must be measured too.
      ctx.app.post('/orders', async () => {
        placed.inc()
        return { placed: true }
      })
    },
  }))
  t.after(() => runner.stop())
  await runner.start()
  return runner
}

async function scrape (runner: Runner): Promise<string> {
  const response = await runner.admin!.inject('/metrics')
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  return response.body
}

test('request metrics of every main-server route, process metrics, runner metrics and service metrics', async (t) => {
  const runner = await startRunner(t)
  for (let i = 0; i < 3; i++) assert.equal((await runner.app.inject({ method: 'POST', url: '/orders' })).statusCode, 200)
  const text = await scrape(runner)
  assert.match(text, /^http_request_duration_seconds_count\{method="POST",route="\/orders",status_code="200"\} 3$/m)
  assert.match(text, /^orders_placed_total 3$/m, 'a metric the service created on ctx.metrics')
  assert.match(text, /^process_cpu_user_seconds_total \d/m)
  assert.match(text, /^nodejs_heap_size_used_bytes \d/m)
  assert.match(text, /^fsr_service_state\{service="orders",state="running"\} 1$/m)
  assert.doesNotMatch(text, /^fsr_service_state\{service="orders",state="failed"\}/m, 'only the current state has a line')
  assert.match(text, /^fsr_service_health\{service="orders",status="healthy"\} 1$/m)
  assert.match(text, /^fsr_service_restarts_total\{service="orders"\} 0$/m)
  assert.match(text, /^fsr_lifecycle_transition_duration_seconds_count\{from="starting",to="running"\} 1$/m)
  assert.match(text, /^fsr_runner_status\{status="running"\} 1$/m)
  assert.match(text, /^fsr_runner_ready 1$/m)
  assert.match(text, /^fsr_http_requests_in_flight 0$/m)
  assert.doesNotMatch(text, /route="\/metrics"/, 'the admin server is not measured as the main server')
})

test('two runners in one process keep separate registries', async (t) => {
  const first = await startRunner(t)
  const second = await startRunner(t)
  await first.app.inject({ method: 'POST', url: '/orders' })
  assert.match(await scrape(first), /^orders_placed_total 1$/m)
  assert.match(await scrape(second), /^orders_placed_total 0$/m)
})

test('metrics: false collects nothing and serves no /metrics, but ctx.metrics still exists', async (t) => {
  let registry: unknown
  const runner = createRunner({ server: { port: 0 }, admin: { port: 0 }, metrics: false, signals: false, logger: captureLogs('warn').logger })
  runner.register(defineService({ name: 'store', async init (ctx) { registry = ctx.metrics } }))
  t.after(() => runner.stop())
  await runner.start()
  assert.ok(registry instanceof Registry)
  assert.equal((await runner.admin!.inject('/metrics')).statusCode, 404)
})

test('passive health checks are timed and their failures counted; a drain leaves its figures', async (t) => {
  const runner = createRunner({ server: { port: 0 }, admin: { port: 0 }, signals: false, logger: captureLogs('fatal').logger, health: { interval: 10 } })
  let isBroken = false
  let checks = 0
  runner.register(defineService({
    name: 'db',
    async check () {
      checks++
      if (isBroken) throw new Error('connection refused')
      return 'healthy' as const
    },
  }))
  let drainedText = ''
  runner.register(defineService({
    name: 'observer',
    // Runs after the main server drained, while the admin server still answers.
    async stop () { drainedText = await scrape(runner) },
  }))
  t.after(() => runner.stop())
  await runner.start()
  isBroken = true
  const failuresAt = checks
  await waitFor(() => checks >= failuresAt + 2)
  const text = await scrape(runner)
  assert.match(text, /^fsr_health_check_duration_seconds_count [1-9]\d*$/m)
  assert.match(text, /^fsr_health_check_failures_total\{service="db"\} [1-9]\d*$/m)
  await runner.stop()
  assert.match(drainedText, /^fsr_shutdown_drain_seconds \d/m)
  assert.match(drainedText, /^fsr_shutdown_destroyed_sockets 0$/m)
})
