import assert from 'node:assert/strict'
import { test } from 'node:test'
import underPressure from '@fastify/under-pressure'
import { createRunner, type RunnerOptions, type ServiceContext } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'
import { waitForHealth } from '../../helpers/wait-for-health.ts'

// Thresholds of the built-in that no process reaches, and none on the event loop (how busy this
// machine is must not matter): whatever `process` says comes from the app's own under-pressure.
const QUIET: RunnerOptions['pressure'] = { maxEventLoopDelay: 0, maxHeapUsedBytes: Number.MAX_SAFE_INTEGER, sampleInterval: 100 }

function createApp (pressure: RunnerOptions['pressure'] | false) {
  const logs = captureLogs()
  const runner = createRunner({ server: { port: 0, host: '127.0.0.1' }, signals: false, admin: false, logger: logs.logger, pressure })
  // The app's own under-pressure, as a Fastify app has it: any heap is over 1 byte, so it is under pressure from its first sample.
  runner.register(underPressure, { maxHeapUsedBytes: 1, sampleInterval: 100 })
  let ctx!: ServiceContext
  runner.register(async (app) => {
    ctx = app.service
    app.get('/hello', async () => ({ hello: 'world' }))
  }, { service: { name: 'api' } })
  return { runner, logs, ctx: () => ctx }
}

test('an app that registers @fastify/under-pressure itself gets the built-in `process` health from it, not a decorator clash', async (t) => {
  const { runner, logs, ctx } = createApp(QUIET)
  t.after(() => runner.stop())
  await runner.start()
  assert.equal(typeof runner.app.memoryUsage, 'function', 'the app\'s own decorators are there')
  const change = await waitForHealth(ctx().health, 'process', (c) => c.status === 'unhealthy')
  assert.equal(change.reason, 'over the thresholds of the app\'s @fastify/under-pressure')
  assert.ok(Number(change.detail?.heapUsedBytes) > 1, 'the measures are in the detail')
  // The app's under-pressure sheds as it was told to, with its own answer (the built-in's thresholds are not passed).
  const response = await fetch(`http://127.0.0.1:${runner.address?.port}/hello`)
  assert.equal(response.status, 503)
  assert.equal((await response.json() as { code: string }).code, 'FST_UNDER_PRESSURE')
  assert.equal(ctx().health.get('process').detail?.shedRequests, 0, 'none shed by the built-in')
  assert.ok(logs.messages('pressure follows the app\'s under-pressure').length === 1)
})

test('pressure: false stays the way out: no `process` entry, and the app\'s own under-pressure works alone', async (t) => {
  const { runner } = createApp(false)
  t.after(() => runner.stop())
  await runner.start()
  assert.equal(runner.health().services.process, undefined)
  assert.equal(typeof runner.app.isUnderPressure, 'function')
})
