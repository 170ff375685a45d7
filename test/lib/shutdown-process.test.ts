import assert from 'node:assert/strict'
import http from 'node:http'
import { test } from 'node:test'
import { startFixture } from '../helpers/fixture-process.ts'

interface Reply { status: number, connection: string | undefined, body: string }

/** A strict client: one request, no retry; a reset or a refused connection rejects. */
function get (agent: http.Agent, port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }))
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}

async function started (t: Parameters<typeof startFixture>[0], env: Record<string, string> = {}) {
  // Routine transitions (`stopped`) are logged at debug.
  const fixture = startFixture(t, 'shutdown-server.ts', { FSR_LOG_LEVEL: 'debug', ...env })
  const line = await fixture.waitForLine((l) => l.msg === 'runner started') as { address: { port: number } }
  return { fixture, port: line.address.port }
}

test('SIGTERM with 50 keep-alive requests in flight: every one answered 200, exit 0, no keep-alive wait', { timeout: 15_000 }, async (t) => {
  const { fixture, port } = await started(t)
  const busy = new http.Agent({ keepAlive: true, maxSockets: 50 })
  const idle = new http.Agent({ keepAlive: true, maxSockets: 10 })
  t.after(() => { busy.destroy(); idle.destroy() })

  // Open 50 keep-alive sockets, plus 10 that will sit idle during the shutdown.
  await Promise.all(Array.from({ length: 50 }, () => get(busy, port, '/slow?ms=1')))
  await Promise.all(Array.from({ length: 10 }, () => get(idle, port, '/slow?ms=1')))
  const before = fixture.lines.filter((l) => l.msg === 'slow request started').length

  const inFlight = Array.from({ length: 50 }, () => get(busy, port, '/slow?ms=1500').then((r) => r, (err: Error) => err))
  await fixture.waitForLine(() => fixture.lines.filter((l) => l.msg === 'slow request started').length === before + 50)
  fixture.child.kill('SIGTERM')

  const replies = await Promise.all(inFlight)
  const errors = replies.filter((r) => r instanceof Error)
  assert.deepEqual(errors, [], 'no request failed')
  const statuses = (replies as Reply[]).map((r) => r.status)
  assert.deepEqual(statuses, Array(50).fill(200))
  assert.ok((replies as Reply[]).every((r) => r.connection === 'close'), 'responses in flight carry Connection: close')

  const { code } = await fixture.exited
  assert.equal(code, 0, fixture.stderr())
  const messages = fixture.lines.map((l) => l.msg)
  assert.ok(messages.includes('shutdown signal received'))
  assert.ok(messages.includes('feed drained'), 'the drain hook ran')
  assert.ok(messages.indexOf('feed drained') < messages.indexOf('store stopping'))
  assert.equal(messages.at(-1), 'runner stopped')
})

test('a stop past its timeout: the others still stop and the exit code says unclean', { timeout: 15_000 }, async (t) => {
  const { fixture } = await started(t, { FIXTURE_MODE: 'slow-stop' })
  fixture.child.kill('SIGTERM')
  const { code } = await fixture.exited
  assert.equal(code, 2)
  const failed = fixture.lines.find((l) => l.msg === 'service state changed' && l.service === 'store' && l.state === 'failed') as { err: { message: string } }
  assert.match(failed.err.message, /did not finish "stop" within 100 ms/)
  assert.ok(fixture.lines.some((l) => l.service === 'api' && l.state === 'stopped'))
})

test('a hanging stop past the global deadline: exit 3 and the log names the service and handles', { timeout: 15_000 }, async (t) => {
  const { fixture } = await started(t, { FIXTURE_MODE: 'hang-stop', FSR_SHUTDOWN_TIMEOUT: '300' })
  fixture.child.kill('SIGTERM')
  const { code } = await fixture.exited
  assert.equal(code, 3)
  const line = fixture.lines.find((l) => l.msg === 'shutdown deadline passed') as { services: string[], handles: Record<string, number> }
  assert.deepEqual(line.services, ['store'])
  assert.equal(typeof line.handles, 'object')
})

test('a second signal exits at once with 128 + its number', { timeout: 15_000 }, async (t) => {
  const { fixture } = await started(t, { FIXTURE_MODE: 'hang-stop' })
  fixture.child.kill('SIGTERM')
  await fixture.waitForLine((l) => l.msg === 'store stopping')
  fixture.child.kill('SIGINT')
  const { code } = await fixture.exited
  assert.equal(code, 130)
  assert.ok(fixture.lines.some((l) => l.msg === 'second signal, exiting at once' && l.signal === 'SIGINT'))
})

for (const [path, kind] of [['/crash', 'exception'], ['/reject', 'rejection']]) {
  test(`an uncaught ${kind} stops every service gracefully and exits 1`, { timeout: 15_000 }, async (t) => {
    const { fixture, port } = await started(t)
    const agent = new http.Agent({ keepAlive: false })
    const reply = await get(agent, port, path)
    assert.equal(reply.status, 200)
    const { code } = await fixture.exited
    assert.equal(code, 1)
    assert.ok(fixture.lines.some((l) => l.msg === 'uncaught error, shutting down' && l.level === 60))
    assert.deepEqual(fixture.lines.filter((l) => l.state === 'stopped').map((l) => l.service), ['api', 'feed', 'store'])
  })
}

test('SIGHUP never shuts down: with upgrades disabled it is refused and logged', { timeout: 15_000 }, async (t) => {
  const { fixture, port } = await started(t, { FIXTURE_UPGRADE: 'off' })
  fixture.child.kill('SIGHUP')
  await fixture.waitForLine((l) => l.msg === 'upgrade refused' && l.reason === 'upgrade is disabled (upgrade: false)')
  const agent = new http.Agent({ keepAlive: false })
  assert.equal((await get(agent, port, '/slow?ms=1')).status, 200)
  fixture.child.kill('SIGTERM')
  assert.equal((await fixture.exited).code, 0)
})
