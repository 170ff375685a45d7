import assert from 'node:assert/strict'
import http from 'node:http'
import { test } from 'node:test'
import { createRunner } from '../../lib/index.ts'
import { startFixture } from '../helpers/fixture-process.ts'

/** One request on its own connection; resolves with the status. */
function status (port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    }).on('error', reject)
  })
}

for (const upgrade of ['on', 'off']) {
  test(`SIGUSR2 is logged and ignored (upgrade ${upgrade}): a request in flight is answered, SIGTERM still stops with 0`, { timeout: 15_000 }, async (t) => {
    const fixture = startFixture(t, 'shutdown-server.ts', { FIXTURE_UPGRADE: upgrade })
    const { address } = await fixture.waitForLine((l) => l.msg === 'runner started') as { address: { port: number } }
    const inFlight = status(address.port, '/slow?ms=300')
    await fixture.waitForLine((l) => l.msg === 'slow request started')
    fixture.child.kill('SIGUSR2')
    await fixture.waitForLine((l) => l.msg === 'reserved signal ignored' && l.signal === 'SIGUSR2')
    assert.equal(await inFlight, 200, 'the request in flight when SIGUSR2 came was answered')
    assert.equal(await status(address.port, '/slow?ms=1'), 200, 'still serving after SIGUSR2')
    fixture.child.kill('SIGTERM')
    const { code, signal } = await fixture.exited
    assert.equal(signal, null, fixture.describe())
    assert.equal(code, 0, fixture.describe())
  })
}

test('the process listeners (SIGUSR2 among them) exist only between start() and the end of stop()', async () => {
  const events = ['SIGUSR2', 'SIGHUP', 'SIGTERM', 'SIGINT', 'uncaughtException', 'unhandledRejection', 'beforeExit'] as const
  const counts = (): number[] => events.map((event) => process.listenerCount(event))
  const before = counts()
  const runner = createRunner({ server: false, admin: false, log: { level: 'silent' } })
  await runner.start()
  assert.deepEqual(counts(), before.map((count) => count + 1), 'one listener each while running')
  await runner.stop()
  assert.deepEqual(counts(), before, 'every one removed')
})
