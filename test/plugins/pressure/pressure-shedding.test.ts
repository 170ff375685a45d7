import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { test } from 'node:test'
import { createRunner, defineService, type ServiceContext } from '../../../lib/index.ts'
import { waitFor } from '../../helpers/fixture-process.ts'
import { captureLogs } from '../../helpers/log-capture.ts'
import { waitForHealth } from '../../helpers/wait-for-health.ts'

test('over a threshold the main server answers 503 with Retry-After and `process` is unhealthy', async (t) => {
  const logs = captureLogs()
  // Any heap is over 1 byte: pressure is certain from the first sample on, whatever the machine
  // (the event-loop threshold is off: how busy this machine is must not matter).
  const runner = createRunner({
    server: { port: 0, host: '127.0.0.1' }, signals: false, admin: false, logger: logs.logger,
    pressure: { maxHeapUsedBytes: 1, maxEventLoopDelay: 0, retryAfter: 7, sampleInterval: 100 },
  })
  t.after(() => runner.stop())
  let ctx!: ServiceContext
  runner.register(async (app) => {
    ctx = app.service
    app.get('/hello', async () => ({ hello: 'world' }))
  }, { service: { name: 'api' } })
  await runner.start()

  const change = await waitForHealth(ctx.health, 'process', (c) => c.status === 'unhealthy')
  assert.equal(change.reason, 'over maxHeapUsedBytes')
  assert.ok(typeof change.detail?.heapUsedBytes === 'number' && change.detail.heapUsedBytes > 1, 'the measured heap is in the detail')
  for (const key of ['eventLoopDelay', 'rssBytes', 'eventLoopUtilization']) assert.equal(typeof change.detail?.[key], 'number', key)

  // Shed on the socket, before routing: a real request over loopback.
  const response = await fetch(`http://127.0.0.1:${runner.address?.port}/hello`)
  assert.equal(response.status, 503)
  assert.equal(response.headers.get('retry-after'), '7')
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8')
  const body = await response.json() as { statusCode: number, code: string, error: string }
  assert.deepEqual([body.statusCode, body.code, body.error], [503, 'FSR_ERR_UNDER_PRESSURE', 'Service Unavailable'])
  await waitFor(() => Number(ctx.health.get('process').detail?.shedRequests) >= 1)
  assert.equal((await runner.app.inject('/hello')).statusCode, 200, 'inject() does not go through the socket: never shed')

  const health = runner.health()
  assert.equal(health.services.process.status, 'unhealthy')
  assert.equal(health.status, 'unhealthy', '`process` is critical')
  assert.equal(health.live, true, 'shedding load is not being dead')
  assert.deepEqual(runner.states().map((state) => state.name), ['api'], '`process` is a health entry, not a service')
  const line = logs.messages('service health changed').find((l) => l.service === 'process' && l.status === 'unhealthy')
  assert.equal(line?.reason, 'over maxHeapUsedBytes')
})

test('under every threshold requests pass and `process` is healthy; pressure: false installs nothing', async (t) => {
  // Thresholds no process reaches, and none on the event loop (how busy this machine is must not matter).
  const pressure = { maxEventLoopDelay: 0, maxHeapUsedBytes: Number.MAX_SAFE_INTEGER, maxRssBytes: Number.MAX_SAFE_INTEGER, sampleInterval: 100 }
  const runner = createRunner({ server: { port: 0, host: '127.0.0.1' }, signals: false, admin: false, logger: captureLogs().logger, pressure })
  t.after(() => runner.stop())
  let ctx!: ServiceContext
  runner.register(async (app) => {
    ctx = app.service
    app.get('/hello', async () => ({ hello: 'world' }))
  }, { service: { name: 'api' } })
  await runner.start()
  assert.equal(runner.health().services.process.status, 'healthy', 'reported as soon as the runner is ready')
  // A measure that changes is no news to subscribers (same status, same reason): read the entry.
  await waitFor(() => ctx.health.get('process').detail?.heapUsedBytes !== 0)
  assert.equal(ctx.health.get('process').status, 'healthy')
  assert.equal((await fetch(`http://127.0.0.1:${runner.address?.port}/hello`)).status, 200)
  assert.equal(ctx.health.get('process').detail?.shedRequests, 0)

  const off = createRunner({ server: false, signals: false, admin: false, logger: captureLogs().logger, pressure: false })
  t.after(() => off.stop())
  off.register(defineService({ name: 'api' }))
  await off.start()
  assert.deepEqual(Object.keys(off.health().services), ['api'])
})

test('a main server with other than one request listener is refused at start (custom serverFactory)', async (t) => {
  const serverFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void): Server => {
    const server = createServer(handler)
    server.on('request', () => {})
    return server
  }
  const runner = createRunner({ server: false, signals: false, admin: false, logger: captureLogs().logger, fastify: { serverFactory } })
  t.after(() => runner.stop())
  runner.register(defineService({ name: 'api' }))
  await assert.rejects(runner.start(), { code: 'FSR_ERR_PRESSURE_SERVER', message: /found 2 of them/ })
  assert.deepEqual(runner.states().map((state) => state.state), ['registered'], 'no service booted')
})
