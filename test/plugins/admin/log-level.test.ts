import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type Runner, type WorkerContext } from '../../../lib/index.ts'
import { parseDuration } from '../../../plugins/admin/log-level-routes.ts'
import { captureLogs, type LogCapture } from '../../helpers/log-capture.ts'

async function startRunner (t: TestContext): Promise<{ runner: Runner, logs: LogCapture }> {
  const logs = captureLogs('info')
  const runner = createRunner({ server: { port: 0 }, admin: { port: 0 }, signals: false, logger: logs.logger })
  runner.register(defineService({ name: 'store' }))
  runner.register(defineService({ name: 'api' }))
  t.after(() => runner.stop())
  await runner.start()
  return { runner, logs }
}

test('GET lists the level of the runner and of every service', async (t) => {
  const { runner } = await startRunner(t)
  const response = await runner.admin!.inject('/log-level')
  assert.equal(response.statusCode, 200)
  assert.deepEqual(response.json(), { runner: 'info', services: { store: 'info', api: 'info' } })
  assert.deepEqual((await runner.admin!.inject('/log-level/api')).json(), { target: 'api', level: 'info' })
})

test('PUT changes one service only, and the service logger really logs at the new level', async (t) => {
  const { runner, logs } = await startRunner(t)
  const response = await runner.admin!.inject({ method: 'PUT', url: '/log-level/store', payload: { level: 'debug' } })
  assert.equal(response.statusCode, 200)
  assert.deepEqual(response.json(), { target: 'store', level: 'debug', previous: 'info' })
  assert.equal(runner.serviceLogger('store')!.level, 'debug')
  assert.equal(runner.serviceLogger('api')!.level, 'info')
  runner.serviceLogger('store')!.debug('visible now')
  assert.equal(logs.messages('visible now').length, 1)
  assert.equal(logs.messages('log level changed')[0].target, 'store')
})

test('PUT on the runner changes the runner logger', async (t) => {
  const { runner } = await startRunner(t)
  const response = await runner.admin!.inject({ method: 'PUT', url: '/log-level', payload: { level: 'error' } })
  assert.deepEqual(response.json(), { target: 'runner', level: 'error', previous: 'info' })
  assert.equal(runner.app.log.level, 'error')
})

test('revertAfter puts the level back when the time is up (mock timers)', async (t) => {
  const { runner, logs } = await startRunner(t)
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const first = await runner.admin!.inject({ method: 'PUT', url: '/log-level/store?revertAfter=60s', payload: { level: 'trace' } })
  assert.equal(first.statusCode, 200)
  assert.ok(first.json().revertAt >= Date.now() + 59_000)
  // A second change before the revert keeps the level to go back to: the one before the first change.
  const second = await runner.admin!.inject({ method: 'PUT', url: '/log-level/store', payload: { level: 'debug', revertAfterMs: 1000 } })
  assert.equal(second.json().previous, 'trace')
  t.mock.timers.tick(999)
  assert.equal(runner.serviceLogger('store')!.level, 'debug')
  t.mock.timers.tick(1)
  assert.equal(runner.serviceLogger('store')!.level, 'info')
  t.mock.timers.tick(60_000)
  assert.equal(runner.serviceLogger('store')!.level, 'info', 'the first revert was cancelled')
  assert.equal(logs.messages('log level reverted').length, 1)
})

test('bad input: unknown service 404, bad level or duration 400, each with a code', async (t) => {
  const { runner } = await startRunner(t)
  const admin = runner.admin!
  const unknown = await admin.inject({ method: 'PUT', url: '/log-level/nope', payload: { level: 'debug' } })
  assert.equal(unknown.statusCode, 404)
  assert.equal(unknown.json().code, 'FSR_ERR_UNKNOWN_SERVICE')
  assert.match(unknown.json().message, /known: store, api/)
  assert.equal((await admin.inject('/log-level/nope')).statusCode, 404)
  for (const request of [
    { url: '/log-level', payload: { level: 'loud' } },
    { url: '/log-level', payload: {} },
    { url: '/log-level', payload: { level: 'debug', revertAfterMs: 0 } },
    { url: '/log-level?revertAfter=soon', payload: { level: 'debug' } },
    { url: '/log-level?revertAfter=25h', payload: { level: 'debug' } },
  ]) {
    const response = await admin.inject({ method: 'PUT', ...request })
    assert.equal(response.statusCode, 400, request.url + JSON.stringify(request.payload))
    assert.equal(response.json().code, 'FSR_ERR_INVALID_REQUEST')
  }
  assert.equal(runner.app.log.level, 'info', 'nothing changed')
})

test('durations: ms, s, m, h; a bare number is seconds; bounded to 24h', () => {
  assert.equal(parseDuration('500ms'), 500)
  assert.equal(parseDuration('60s'), 60_000)
  assert.equal(parseDuration('5m'), 300_000)
  assert.equal(parseDuration('1h'), 3_600_000)
  assert.equal(parseDuration('30'), 30_000)
  for (const bad of ['0s', '25h', '1.5s', '-1s', 'soon', '']) assert.equal(parseDuration(bad), undefined, bad)
})

test('PUT on a service reaches the workers it runs: they log at the new level too', async (t) => {
  const logs = captureLogs('info')
  const workers: WorkerContext[] = []
  const runner = createRunner({ server: false, admin: { port: 0 }, signals: false, logger: logs.logger })
  runner.register(defineService({ name: 'consumer', init (ctx) { workers.push(ctx.child('partition-0'), ctx.child('partition-1')) } }))
  t.after(() => runner.stop())
  await runner.start()
  const { port } = runner.admin!.server.address() as AddressInfo
  const response = await fetch(`http://127.0.0.1:${port}/log-level/consumer`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ level: 'debug' }) })
  assert.equal(response.status, 200)
  for (const worker of workers) {
    assert.equal(worker.log.level, 'debug')
    worker.log.debug('partition detail')
  }
  assert.deepEqual(logs.messages('partition detail').map((line) => line.service), ['consumer/partition-0', 'consumer/partition-1'])
})
