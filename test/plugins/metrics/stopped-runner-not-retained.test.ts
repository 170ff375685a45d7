// prom-client never stops collecting process metrics (a GC observer, an event-loop monitor): they
// are collected once per process, so a stopped runner with metrics on is not kept in memory by them.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startFixture } from '../../helpers/fixture-process.ts'

test('runners stopped with every built-in on are garbage collected', async (t) => {
  const fixture = startFixture(t, 'stopped-runners-collected.ts')
  const line = await fixture.waitForLine((entry) => entry.msg === 'collected', 30_000)
  assert.equal(line.retained, 0, fixture.describe())
  assert.equal((await fixture.exited).code, 0, fixture.describe())
})
