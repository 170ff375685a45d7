import assert from 'node:assert/strict'
import http from 'node:http'
import { once } from 'node:events'
import { test } from 'node:test'
import WebSocket from 'ws'
import { startFixture, type Fixture } from '../helpers/fixture-process.ts'

async function started (t: Parameters<typeof startFixture>[0], env: Record<string, string>): Promise<{ fixture: Fixture, port: number }> {
  const fixture = startFixture(t, 'connections-server.ts', { FSR_LOG_LEVEL: 'debug', ...env })
  const line = await fixture.waitForLine((l) => l.msg === 'runner started') as { address: { port: number } }
  return { fixture, port: line.address.port }
}

/** A WebSocket client that has heard the server's welcome; `closed` resolves with the close code it saw. */
async function openWebSocket (port: number): Promise<{ socket: WebSocket, closed: Promise<number> }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`)
  const closed = once(socket, 'close').then(([code]) => code as number)
  const [welcome] = await once(socket, 'message')
  assert.equal(String(welcome), 'welcome')
  return { socket, closed }
}

/** An event-stream client that has read its first event; `ended` resolves with everything it read once the stream ends. */
async function openEventStream (port: number): Promise<{ ended: Promise<string> }> {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    // As EventSource asks.
    http.get({ host: '127.0.0.1', port, path: '/events', agent: false, headers: { accept: 'text/event-stream' } }, resolve).on('error', reject)
  })
  assert.equal(res.headers['content-type'], 'text/event-stream')
  res.setEncoding('utf8')
  let text = ''
  const ended = new Promise<string>((resolve, reject) => {
    res.on('data', (chunk: string) => { text += chunk })
    res.on('end', () => resolve(text))
    res.on('error', reject)
  })
  return { ended }
}

for (const idleGrace of ['1000', '0']) {
  test(`WebSocket and event-stream clients (idleGrace ${idleGrace}): the drain does not wait on them; drain hooks and the 1001 close come first; exit 0`, { timeout: 30_000 }, async (t) => {
    // A drain that waited on these connections would pass this deadline and destroy them.
    const { fixture, port } = await started(t, { FSR_DRAIN_TIMEOUT: '8000', FSR_IDLE_GRACE: idleGrace })
    const clients = await Promise.all([openWebSocket(port), openWebSocket(port)])
    const stream = await openEventStream(port)
    await fixture.waitForLine(() => fixture.lines.filter((l) => l.msg === 'websocket opened').length === 2)
    fixture.child.kill('SIGTERM')

    assert.deepEqual(await Promise.all(clients.map((client) => client.closed)), [1001, 1001], 'going away, not 1006')
    assert.match(await stream.ended, /event: bye/, 'the stream was ended by its service, not cut')
    const { code } = await fixture.exited
    assert.equal(code, 0, fixture.describe())
    const messages = fixture.lines.map((l) => l.msg)
    assert.ok(!messages.includes('drain deadline passed, sockets destroyed'), fixture.describe())
    const order = ['shutdown started', 'event streams ended', 'main server drained', 'websocket clients closing', 'events stopping', 'store stopping', 'runner stopped']
    const positions = order.map((msg) => messages.indexOf(msg))
    assert.ok(positions.every((at) => at >= 0), `every step logged: ${JSON.stringify(Object.fromEntries(order.map((msg, i) => [msg, positions[i]])))}`)
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, `in this order: ${order.join(', ')}`)
  })
}

test('a WebSocket and an event stream still open at the drain deadline are destroyed, named in the log, and the exit code says unclean (2)', { timeout: 30_000 }, async (t) => {
  const { fixture, port } = await started(t, { FSR_DRAIN_TIMEOUT: '300', FIXTURE_LONG_LIVED: 'left-open' })
  const client = await openWebSocket(port)
  const stream = await openEventStream(port)
  await fixture.waitForLine((l) => l.msg === 'websocket opened')
  fixture.child.kill('SIGTERM')
  assert.equal(await client.closed, 1006, 'cut without a close frame')
  await assert.rejects(stream.ended, /aborted/, 'the stream was cut')
  const { code } = await fixture.exited
  assert.equal(code, 2, fixture.describe())
  const line = fixture.lines.find((l) => l.msg === 'drain deadline passed, sockets destroyed') as { sockets: Array<{ kind: string }> }
  assert.deepEqual(line.sockets.map((socket) => socket.kind).sort(), ['event-stream', 'websocket'])
  // The app's close (the plugin's preClose) began before the socket was cut. Fastify's own onClose
  // hook (the server's close) runs before the services' and waits for the cut sockets; then every
  // service still stops, in reverse order.
  const messages = fixture.lines.map((l) => l.msg)
  const cut = messages.indexOf('drain deadline passed, sockets destroyed')
  assert.ok(messages.indexOf('main server drained') < cut, 'the request drain did not wait for them')
  assert.ok(messages.indexOf('websocket clients closing') < cut, messages.join(', '))
  const stops = ['events stopping', 'store stopping'].map((msg) => messages.indexOf(msg))
  assert.ok(stops[0] >= 0 && stops[0] < stops[1], messages.join(', '))
  assert.equal(messages.at(-1), 'admin server closed')
})
