import assert from 'node:assert/strict'
import http from 'node:http'
import { test } from 'node:test'
import { startFixture } from '../helpers/fixture-process.ts'

test('two uncaught errors in one tick: the second is logged, every service still stops, exit 1', { timeout: 15_000 }, async (t) => {
  const fixture = startFixture(t, 'connections-server.ts', { FSR_LOG_LEVEL: 'debug' })
  const { address } = await fixture.waitForLine((l) => l.msg === 'runner started') as { address: { port: number } }
  await new Promise<void>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: address.port, path: '/crash-twice', agent: false }, (res) => {
      res.resume()
      res.on('end', resolve)
    }).on('error', reject)
  })
  const { code } = await fixture.exited
  assert.equal(code, 1, fixture.describe())
  assert.deepEqual(fixture.lines.filter((l) => l.state === 'stopped').map((l) => l.service), ['api', 'events', 'store'])
  const first = fixture.lines.find((l) => l.msg === 'uncaught error, shutting down') as { level: number, err: { message: string } }
  assert.equal(first.level, 60)
  assert.equal(first.err.message, 'first of two')
  const second = fixture.lines.find((l) => l.msg === 'uncaught error during shutdown') as { level: number, err: { message: string } }
  assert.equal(second.err.message, 'second of two')
  assert.equal(second.level, 50, 'logged as an error, not a fatal exit')
  assert.equal(fixture.lines.at(-1)?.msg, 'runner stopped')
})
