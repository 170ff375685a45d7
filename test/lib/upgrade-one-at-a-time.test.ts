import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { isAlive } from '../../lib/process-control.ts'
import { waitFor, type Fixture } from '../helpers/fixture-process.ts'
import { startLoad } from '../helpers/strict-client.ts'
import { upgradeFixture } from '../helpers/upgrade-fixture.ts'

// Longer than the gaps between the triggers: every trigger arrives while the first hook still runs.
const HOOK_MS = '200'

/** Waits for the old process to leave, then checks that exactly one new generation was spawned and lives. */
async function assertOneGeneration (fixture: Fixture, oldPid: number, readPid: () => Promise<number>): Promise<number> {
  await fixture.waitForLine((l) => l.msg === 'upgrade handed over, draining' && l.pid === oldPid, 30_000)
  await waitFor(() => !isAlive(oldPid), 20_000)
  const spawned = fixture.lines.filter((l) => l.msg === 'upgrade started').map((l) => l.newPid as number)
  assert.equal(spawned.length, 1, `one new generation spawned, got ${spawned.join(', ')}\n${fixture.describe()}`)
  const [next] = spawned
  assert.ok(isAlive(next), 'the new generation serves')
  assert.equal(await readPid(), next)
  return next
}

test('a SIGHUP storm while the upgrade hook runs leaves exactly one new generation', { timeout: 60_000 }, async (t) => {
  const { fixture, port, readPid } = await upgradeFixture(t, { FIXTURE_HOOK_MS: HOOK_MS }, 'upgrade-slow-hook-server.ts')
  const pid = await readPid()
  const load = startLoad(port, '/work', 2)
  t.after(() => load.stop())
  await waitFor(() => load.byPid.size === 1)
  // The storm itself: 10 signals over 100 ms (pacing the trigger, not waiting on a result).
  for (let i = 0; i < 10; i++) {
    process.kill(pid, 'SIGHUP')
    await delay(10)
  }
  const next = await assertOneGeneration(fixture, pid, readPid)
  assert.ok(fixture.lines.some((l) => l.msg === 'upgrade refused' && l.reason === 'an upgrade is already in progress'))
  await waitFor(() => (load.byPid.get(next) ?? 0) > 0, 10_000)
  const result = await load.stop()
  assert.deepEqual(result.failures, [])
  process.kill(next, 'SIGTERM')
  await waitFor(() => !isAlive(next), 20_000)
})

test('5 concurrent POST /upgrade: one 202, four 409, exactly one new generation', { timeout: 60_000 }, async (t) => {
  const { fixture, adminPort, readPid } = await upgradeFixture(t, { FIXTURE_HOOK_MS: HOOK_MS }, 'upgrade-slow-hook-server.ts')
  const pid = await readPid()
  const responses = await Promise.all(Array.from({ length: 5 }, async () => {
    const response = await fetch(`http://127.0.0.1:${adminPort}/upgrade`, { method: 'POST' })
    return { status: response.status, body: await response.json() as { ok: boolean, pid?: number, reason?: string } }
  }))
  const next = await assertOneGeneration(fixture, pid, readPid)
  assert.deepEqual(responses.map((r) => r.status).sort(), [202, 409, 409, 409, 409])
  assert.equal(responses.find((r) => r.status === 202)?.body.pid, next)
  for (const refused of responses.filter((r) => r.status === 409)) assert.equal(refused.body.reason, 'an upgrade is already in progress')
  process.kill(next, 'SIGTERM')
  await waitFor(() => !isAlive(next), 20_000)
})

test('after handing over, the old process refuses another upgrade', { timeout: 60_000 }, async (t) => {
  // The drain delay keeps the old process alive, draining, when the second SIGHUP comes.
  const { fixture, readPid } = await upgradeFixture(t, { FIXTURE_HOOK_MS: '0', FSR_DRAIN_DELAY: '2000' }, 'upgrade-slow-hook-server.ts')
  const pid = await readPid()
  process.kill(pid, 'SIGHUP')
  await fixture.waitForLine((l) => l.msg === 'upgrade handed over, draining' && l.pid === pid, 30_000)
  process.kill(pid, 'SIGHUP')
  const refused = await fixture.waitForLine((l) => l.msg === 'upgrade refused' && l.pid === pid)
  assert.match(refused.reason as string, /^this process has handed over to pid \d+$/)
  const next = await assertOneGeneration(fixture, pid, readPid)
  process.kill(next, 'SIGTERM')
  await waitFor(() => !isAlive(next), 20_000)
})
