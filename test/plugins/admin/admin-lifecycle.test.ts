import assert from 'node:assert/strict'
import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { test } from 'node:test'
import { createRunner, defineService } from '../../../lib/index.ts'
import { waitFor } from '../../helpers/fixture-process.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

/** One request on a fresh connection; resolves with the status and body. */
function get (port: number, path: string): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

const portOf = (server: { address (): unknown }): number => (server.address() as AddressInfo).port

test('the admin port answers while the main server drains, and closes after every service stopped', async (t) => {
  const logs = captureLogs('debug') // routine transitions are at debug: they show the admin server outlives them
  const runner = createRunner({ server: { port: 0 }, admin: { port: 0 }, signals: false, logger: logs.logger })
  t.after(() => runner.stop().catch(() => {}))
  let release: () => void = () => {}
  let inFlight: () => void = () => {}
  const slowStarted = new Promise<void>((resolve) => { inFlight = resolve })
  const seenDuringStop: number[] = []
  runner.register(defineService({
    name: 'store',
    async init () {
      // The admin server is up before the first service boots.
      const live = await get(portOf(runner.admin!.server), '/health/live')
      assert.equal(live.status, 200)
    },
    async stop () {
      // ...and still up while the services stop.
      seenDuringStop.push((await get(portOf(runner.admin!.server), '/health/live')).status)
    },
  }))
  runner.register(async (app) => {
    app.get('/slow', async () => {
      inFlight()
      await new Promise<void>((resolve) => { release = resolve })
      return { ok: true }
    })
  }, { service: { name: 'api', dependsOn: ['store'] } })
  await runner.start()
  const adminPort = portOf(runner.admin!.server)
  const mainPort = runner.address!.port

  const slow = get(mainPort, '/slow')
  await slowStarted
  const stopping = runner.stop()
  await waitFor(() => runner.status === 'draining')

  const ready = await get(adminPort, '/health/ready')
  assert.equal(ready.status, 503, 'not ready while draining')
  assert.deepEqual(JSON.parse(ready.body), { ready: false, runner: 'draining', unhealthy: [] })
  assert.equal((await get(adminPort, '/ready')).status, 503)
  assert.equal((await get(adminPort, '/health/live')).status, 200, 'alive while draining')
  const metrics = await get(adminPort, '/metrics')
  assert.equal(metrics.status, 200)
  assert.match(metrics.body, /^fsr_http_requests_in_flight 1$/m, 'the slow request is in flight')
  assert.match(metrics.body, /^fsr_runner_status\{status="draining"\} 1$/m)

  release()
  assert.equal((await slow).status, 200, 'the request in flight finished')
  await stopping
  assert.deepEqual(seenDuringStop, [200], 'the admin server answered while the services stopped')
  assert.equal(runner.admin!.server.listening, false, 'closed at the end')
  const order = logs.lines.filter((line) => line.msg === 'admin server listening' || line.msg === 'service state changed' || line.msg === 'admin server closed')
  assert.equal(order[0].msg, 'admin server listening')
  assert.equal(order.at(-1)!.msg, 'admin server closed')
})

test('an admin port already in use fails start() with FSR_ERR_ADMIN_LISTEN before any service boots', async (t) => {
  const taken = createServer()
  taken.listen(0, '127.0.0.1')
  await once(taken, 'listening')
  t.after(() => taken.close())
  const runner = createRunner({ server: { port: 0 }, admin: { port: portOf(taken) }, signals: false, logger: captureLogs('silent').logger })
  let booted = false
  runner.register(defineService({ name: 'store', async init () { booted = true } }))
  await assert.rejects(runner.start(), (err: Error & { code: string, cause: { code: string } }) => {
    assert.equal(err.code, 'FSR_ERR_ADMIN_LISTEN')
    assert.equal(err.cause.code, 'EADDRINUSE')
    assert.match(err.message, /could not listen on 127\.0\.0\.1:\d+/)
    return true
  })
  assert.equal(booted, false)
  assert.equal(runner.status, 'stopped')
})
