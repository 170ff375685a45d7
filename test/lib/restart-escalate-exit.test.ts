import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ExitCode } from '../../lib/exit-codes.ts'
import { startFixture } from '../helpers/fixture-process.ts'

test('escalate exit: a service out of restarts shuts the program down gracefully with exit code 4', async (t) => {
  const fixture = startFixture(t, 'restart-exhausted-exit.ts')
  const { code } = await fixture.exited
  assert.equal(code, ExitCode.RESTARTS_EXHAUSTED, fixture.describe())
  assert.equal(code, 4)
  const scheduled = fixture.lines.filter((line) => line.msg === 'service restart scheduled')
  assert.deepEqual(scheduled.map((line) => [line.service, line.attempt, line.reason]), [['flaky', 1, 'run-failed'], ['flaky', 2, 'run-failed']])
  const [givenUp] = fixture.lines.filter((line) => line.msg === 'service restarts given up')
  assert.equal(givenUp?.service, 'flaky', fixture.describe())
  // The graceful stop ran: the other service was stopped, and the runner says it stopped.
  assert.ok(fixture.lines.some((line) => line.msg === 'steady stopped'), fixture.describe())
  assert.ok(fixture.lines.some((line) => line.msg === 'runner stopped'), fixture.describe())
})
