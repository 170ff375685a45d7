import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isAlive } from '../../lib/process-control.ts'
import { waitFor } from '../helpers/fixture-process.ts'
import { startLoad } from '../helpers/strict-client.ts'
import { upgradeFixture } from '../helpers/upgrade-fixture.ts'

test('three upgrades under load: zero failed requests, a new pid each time, old ones gone', { timeout: 60_000 }, async (t) => {
  const { fixture, port, adminPort, readPid, seen } = await upgradeFixture(t)
  const load = startLoad(port, '/work?ms=20', 4)
  await waitFor(() => load.byPid.size === 1)

  for (let round = 1; round <= 3; round++) {
    const oldPid = await readPid()
    if (round === 2) {
      // The admin endpoint does what SIGHUP does, and answers once the new process took over.
      const response = await fetch(`http://127.0.0.1:${adminPort}/upgrade`, { method: 'POST' })
      assert.equal(response.status, 202)
      assert.notEqual(((await response.json()) as { pid: number }).pid, oldPid)
    } else process.kill(oldPid, 'SIGHUP')
    await fixture.waitForLine((l) => l.msg === 'upgrade handed over, draining' && l.pid === oldPid && l.newPid !== oldPid && l.generation === round, 30_000)
    const newPid = await readPid()
    assert.notEqual(newPid, oldPid)
    seen.add(newPid)
    await waitFor(() => !isAlive(oldPid), 20_000)
    await waitFor(() => (load.byPid.get(newPid) ?? 0) > 0, 10_000)
  }

  const result = await load.stop()
  assert.deepEqual(result.failures, [], 'no request failed')
  assert.equal(result.byPid.size, 4, 'every generation served requests')
  for (const count of result.byPid.values()) assert.ok(count > 0)

  // The admin socket went along each time: same port, answered by the last generation.
  assert.equal(fixture.lines.filter((l) => l.msg === 'listening on inherited socket' && l.name === 'admin').length, 3)
  const live = await fetch(`http://127.0.0.1:${adminPort}/health/live`)
  assert.equal(live.status, 200)

  const last = await readPid()
  process.kill(last, 'SIGTERM')
  await waitFor(() => !isAlive(last), 20_000)
  const hooks = fixture.lines.filter((l) => l.msg === 'before upgrade hook')
  assert.equal(hooks.length, 3, 'each old generation ran its upgrade hook')
  assert.deepEqual(fixture.lines.filter((l) => l.msg === 'started by an upgrade').map((l) => l.generation), [1, 2, 3])
})

for (const [mode, timeout, reason] of [
  ['init-throws', '20000', /exited \(code 1\) before it was ready/],
  ['exit', '20000', /exited \(code 7\) before it was ready/],
  ['never-ready', '1500', /was not ready within 1500 ms/],
] as const) {
  test(`a new process that fails (${mode}) is stopped and the old one keeps serving`, { timeout: 40_000 }, async (t) => {
    const { fixture, port, readPid } = await upgradeFixture(t, { FIXTURE_CHILD: mode, FSR_UPGRADE_TIMEOUT: timeout })
    const pid = await readPid()
    const load = startLoad(port, '/work?ms=10', 2)
    await waitFor(() => load.byPid.size === 1)
    process.kill(pid, 'SIGHUP')
    const failed = await fixture.waitForLine((l) => l.msg === 'upgrade failed', 20_000) as { reason: string }
    assert.match(failed.reason, reason)
    const served = load.byPid.get(pid) ?? 0
    await waitFor(() => (load.byPid.get(pid) ?? 0) > served + 10)
    const result = await load.stop()
    assert.deepEqual(result.failures, [])
    assert.deepEqual([...result.byPid.keys()], [pid], 'only the old process served')
    assert.equal(await readPid(), pid, 'the PID file still names the old process')
    fixture.child.kill('SIGTERM')
    assert.equal((await fixture.exited).code, 0)
  })
}

test('a SIGHUP storm starts one upgrade; the others are refused', { timeout: 60_000 }, async (t) => {
  const { fixture, port, readPid, seen } = await upgradeFixture(t)
  const pid = await readPid()
  const load = startLoad(port, '/work?ms=10', 2)
  await waitFor(() => load.byPid.size === 1)
  process.kill(pid, 'SIGHUP')
  await fixture.waitForLine((l) => l.msg === 'upgrade started')
  // Signals of one kind merge while pending: send the storm one at a time, each seen refused.
  for (let i = 1; i <= 4; i++) {
    process.kill(pid, 'SIGHUP')
    await fixture.waitForLine(() => fixture.lines.filter((l) => l.msg === 'upgrade refused' && l.pid === pid).length === i)
  }
  await fixture.waitForLine((l) => l.msg === 'upgrade handed over, draining', 30_000)
  const next = await readPid()
  seen.add(next)
  await waitFor(() => !isAlive(pid), 20_000)
  assert.equal(fixture.lines.filter((l) => l.msg === 'upgrade started').length, 1)
  const result = await load.stop()
  assert.deepEqual(result.failures, [])
  process.kill(next, 'SIGTERM')
  await waitFor(() => !isAlive(next), 20_000)
})

test('SIGTERM during an upgrade stops the new process too', { timeout: 30_000 }, async (t) => {
  const { fixture, readPid } = await upgradeFixture(t, { FIXTURE_CHILD: 'never-ready', FSR_UPGRADE_TIMEOUT: '20000' })
  const pid = await readPid()
  process.kill(pid, 'SIGHUP')
  const started = await fixture.waitForLine((l) => l.msg === 'upgrade started') as { newPid: number }
  await fixture.waitForLine((l) => l.msg === 'started by an upgrade')
  const childPid = fixture.lines.find((l) => l.msg === 'started by an upgrade')?.pid as number
  assert.equal(childPid, started.newPid)
  fixture.child.kill('SIGTERM')
  assert.equal((await fixture.exited).code, 0)
  assert.equal(isAlive(childPid), false, 'the new process was stopped')
})
