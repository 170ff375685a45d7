import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { waitFor } from '../helpers/fixture-process.ts'
import { tempNotifySocket } from '../helpers/notify-receiver.ts'
import { upgradeFixture } from '../helpers/upgrade-fixture.ts'

/** The first key of each datagram: what it tells systemd. */
function kinds (datagrams: ReadonlyArray<{ message: string }>): string[] {
  return datagrams.map((d) => d.message.split('\n')[0].split('=')[0])
}

/** The slow-hook upgrade program with a notify socket, once ready and sent SIGHUP. */
async function upgrading (t: TestContext, env: Record<string, string>) {
  const { socket, datagrams } = await tempNotifySocket(t)
  const { fixture } = await upgradeFixture(t, { ...env, NOTIFY_SOCKET: socket }, 'upgrade-slow-hook-server.ts')
  const pid = fixture.child.pid as number
  await waitFor(() => datagrams.some((d) => d.message.startsWith('READY=1')))
  process.kill(pid, 'SIGHUP')
  return { fixture, datagrams, pid }
}

test('SIGTERM while the upgrade hook runs: systemd hears RELOADING=1, then STOPPING=1, and no new generation starts', { timeout: 60_000 }, async (t) => {
  const { fixture, datagrams, pid } = await upgrading(t, { FIXTURE_HOOK_MS: '5000' })
  await waitFor(() => datagrams.some((d) => d.message.startsWith('RELOADING=1')))
  process.kill(pid, 'SIGTERM')
  assert.equal((await fixture.exited).code, 0, fixture.describe())
  await waitFor(() => datagrams.some((d) => d.message.startsWith('STOPPING=1')))
  assert.deepEqual(kinds(datagrams), ['READY', 'RELOADING', 'STOPPING'], fixture.describe())
  assert.ok(!fixture.lines.some((l) => l.msg === 'upgrade started'), 'no new generation was spawned')
})

test('SIGTERM while the new generation boots: the upgrade fails, the reload ends (READY=1, draining), then STOPPING=1, last', { timeout: 60_000 }, async (t) => {
  // The new generation reports ready only once its parent is gone: it is still booting when SIGTERM comes.
  const { fixture, datagrams, pid } = await upgrading(t, { FIXTURE_CHILD: 'wait-for-orphan' })
  await fixture.waitForLine((l) => l.msg === 'upgrade started')
  process.kill(pid, 'SIGTERM')
  assert.equal((await fixture.exited).code, 0, fixture.describe())
  await waitFor(() => datagrams.some((d) => d.message.startsWith('STOPPING=1')))
  assert.deepEqual(kinds(datagrams), ['READY', 'RELOADING', 'READY', 'STOPPING'], fixture.describe())
  assert.match(datagrams[2]!.message, /STATUS=upgrade failed: .*; draining/)
  assert.ok(datagrams.every((d) => d.pid === pid), 'every message from the old process: the new one never took over')
})
