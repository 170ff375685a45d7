// The drain over HTTPS: HTTP answers on the TLS socket made after the handshake, not on the TCP
// socket the server accepted, so that is where a response in flight must be looked for.
// test/fixtures/tls holds a self-signed certificate for 127.0.0.1 and localhost, for tests only
// (`openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=localhost
// -addext subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost`).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { Agent as HttpsAgent, createServer, request, type Agent } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { test } from 'node:test'
import { ServerDrain } from '../../lib/drain-server.ts'
import { createRunner } from '../../lib/index.ts'
import { waitFor } from '../helpers/fixture-process.ts'
import { captureLogs } from '../helpers/log-capture.ts'

const key = readFileSync(new URL('../fixtures/tls/key.pem', import.meta.url))
const cert = readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url))

interface Answer {
  readonly status: number | undefined
  readonly connection: string | undefined
  readonly body: string
}

/** GET over TLS on a keep-alive agent; resolves with the answer, rejects on a reset. */
function get (port: number, path: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: cert, agent }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection, body }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

test('an https request in flight is counted and answered through a drain with an idle grace, as an upgrade drains', async (t) => {
  // The slow response is held until the test ends it; the quick one's socket is kept to watch.
  let quickSocket: Socket | undefined
  let held: ServerResponse | undefined
  const server = createServer({ key, cert }, (req, res) => {
    if (req.url === '/slow') held = res
    else {
      quickSocket = req.socket
      res.end('quick')
    }
  })
  const drain = new ServerDrain(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())
  const { port } = server.address() as AddressInfo
  const agent = new HttpsAgent({ keepAlive: true })
  t.after(() => agent.destroy())

  // A finished request leaves an idle keep-alive socket behind; then one request stays in flight.
  assert.equal((await get(port, '/quick', agent)).body, 'quick')
  const slow = get(port, '/slow', new HttpsAgent({ keepAlive: true }))
  await waitFor(() => held !== undefined)
  assert.equal(drain.inFlight, 1, 'the response in flight is seen on its TLS socket')

  // Idle sockets get 50 ms. Once the idle one is closed, the grace has passed for the busy one too:
  // it must not have been taken for idle.
  const draining = drain.drain(5_000, 50)
  await once(quickSocket!, 'close')
  held!.end('slow done')
  const outcome = await draining
  const answer = await slow
  assert.equal(answer.status, 200)
  assert.equal(answer.body, 'slow done')
  assert.equal(answer.connection, 'close', 'the last response tells the client to go')
  assert.deepEqual(outcome.destroyed, [])
  assert.equal(drain.inFlight, 0)
})

test('stop() over HTTPS waits for the request in flight, which ends with Connection: close', async (t) => {
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  let isHandling = false
  const runner = createRunner({
    server: { port: 0, host: '127.0.0.1' },
    fastify: { https: { key, cert } },
    admin: false,
    signals: false,
    logger: captureLogs('warn').logger,
  })
  runner.register(async (app) => {
    app.get('/slow', async () => {
      isHandling = true
      await released
      return { done: true }
    })
  }, { service: { name: 'api' } })
  t.after(() => runner.stop())
  await runner.start()
  const agent = new HttpsAgent({ keepAlive: true })
  t.after(() => agent.destroy())

  const slow = get(runner.address!.port, '/slow', agent)
  await waitFor(() => isHandling)
  assert.equal(runner.inFlightRequests, 1)
  const stopping = runner.stop()
  await waitFor(() => runner.status !== 'running')
  release()
  await stopping
  const answer = await slow
  assert.equal(answer.status, 200)
  assert.deepEqual(JSON.parse(answer.body), { done: true })
  assert.equal(answer.connection, 'close')
})
