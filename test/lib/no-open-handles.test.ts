import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startFixture } from '../helpers/fixture-process.ts'

test('after stop() nothing is left running: the process exits by itself', { timeout: 15_000 }, async (t) => {
  // Routine transitions (`stopped`) are logged at debug.
  const fixture = startFixture(t, 'start-stop-exits.ts', { FSR_LOG_LEVEL: 'debug' })
  const { code, signal } = await fixture.exited
  assert.equal(signal, null)
  assert.equal(code, 0, fixture.stderr())
  const stopped = fixture.lines.find((l) => l.msg === 'fixture stopped') as { resources: string[] }
  assert.ok(stopped, 'the fixture got through start and stop')
  const lingering = stopped.resources.filter((kind) => /TCP|Timeout|Immediate|Interval/.test(kind))
  assert.deepEqual(lingering, [], 'no socket, server or timer left open')
  assert.deepEqual(fixture.lines.filter((l) => l.state === 'stopped').map((l) => l.service), ['api', 'ticker'])
})
