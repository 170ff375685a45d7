import assert from 'node:assert/strict'
import http from 'node:http'
import { test } from 'node:test'
import { startFixture, waitFor, type Fixture } from '../helpers/fixture-process.ts'
import { startLoad } from '../helpers/strict-client.ts'

const CONNECTIONS = 40

async function started (t: Parameters<typeof startFixture>[0], env: Record<string, string> = {}): Promise<{ fixture: Fixture, port: number }> {
  const fixture = startFixture(t, 'connections-server.ts', env)
  const line = await fixture.waitForLine((l) => l.msg === 'runner started') as { address: { port: number } }
  return { fixture, port: line.address.port }
}

// The default idle grace: a busy client's next request comes well within it, even on a loaded machine.
test(`SIGTERM under ${CONNECTIONS} busy keep-alive connections: every request answered or refused at connect, none reset`, { timeout: 30_000 }, async (t) => {
  const { fixture, port } = await started(t)
  const load = startLoad(port, '/pid', CONNECTIONS)
  // Every connection is open and busy before the signal.
  await waitFor(() => load.answeredAt.length >= CONNECTIONS * 20, 10_000)
  fixture.child.kill('SIGTERM')
  const { code } = await fixture.exited
  const result = await load.stop()
  assert.equal(code, 0, fixture.describe())
  // After the listener closed, a new connection is refused: the client knows nothing was sent.
  const failures = result.failures.map((failure) => failure.what).filter((what) => what !== 'request: ECONNREFUSED')
  assert.deepEqual(failures, [], 'no request was reset or dropped')
  assert.ok(result.ok >= CONNECTIONS * 20)
})

test('during drainDelay every response carries Connection: close, and the listener still accepts', { timeout: 15_000 }, async (t) => {
  const { fixture, port } = await started(t, { FSR_DRAIN_DELAY: '3000' })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.after(() => agent.destroy())
  const get = (): Promise<string | undefined> => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/pid', agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.headers.connection))
    }).on('error', reject)
  })
  assert.equal(await get(), 'keep-alive', 'keep-alive before the shutdown')
  fixture.child.kill('SIGTERM')
  await fixture.waitForLine((l) => l.msg === 'shutdown started')
  assert.equal(await get(), 'close', 'on the keep-alive socket opened before the signal')
  assert.equal(await get(), 'close', 'on a new connection during the delay')
  assert.equal((await fixture.exited).code, 0, fixture.describe())
  const messages = fixture.lines.map((l) => l.msg)
  assert.ok(messages.indexOf('shutdown started') < messages.indexOf('runner stopped'))
})
