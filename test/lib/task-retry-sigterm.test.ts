import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startFixture } from '../helpers/fixture-process.ts'

test('SIGTERM while a task waits out its retry backoff: the wait ends at once, the task and what started stop, exit 0', async (t) => {
  const fixture = startFixture(t, 'task-retry-server.ts')
  const scheduled = await fixture.waitForLine((line) => line.msg === 'service restart scheduled')
  assert.deepEqual([scheduled.service, scheduled.attempt, scheduled.delay, scheduled.reason], ['migrate', 1, 600_000, 'run-failed'])
  fixture.child.kill('SIGTERM')
  const { code, signal } = await fixture.exited
  assert.equal(signal, null, fixture.describe())
  assert.equal(code, 0, fixture.describe())
  const messages = fixture.lines.map((line) => line.msg)
  assert.ok(messages.indexOf('migrate stopped') < messages.indexOf('store stopped'), fixture.describe())
  assert.ok(messages.indexOf('migrate stopped') !== -1, fixture.describe())
  assert.equal(messages.includes('api init'), false, 'nothing after the task loads')
  assert.equal(messages.includes('runner started'), false)
  assert.ok(messages.includes('runner stopped'), fixture.describe())
})
