import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isAlive } from '../../lib/process-control.ts'
import { waitFor } from '../helpers/fixture-process.ts'
import { fields, tempNotifySocket } from '../helpers/notify-receiver.ts'
import { upgradeFixture } from '../helpers/upgrade-fixture.ts'

test('a new process whose parent is killed before it is ready serves on as the only generation', { timeout: 60_000 }, async (t) => {
  const { socket, datagrams } = await tempNotifySocket(t)
  const { fixture, port, readPid } = await upgradeFixture(t, { FIXTURE_CHILD: 'wait-for-orphan', NOTIFY_SOCKET: socket }, 'upgrade-slow-hook-server.ts')
  const parent = await readPid()
  process.kill(parent, 'SIGHUP')
  // The new generation boots and then waits, in ready(), for its parent to vanish.
  const booting = await fixture.waitForLine((l) => l.msg === 'store init' && l.isUpgrade === true)
  const child = booting.pid as number
  fixture.child.kill('SIGKILL')
  await waitFor(() => fixture.child.exitCode !== null || fixture.child.signalCode !== null)

  const gone = await fixture.waitForLine((l) => l.msg === 'upgrade parent gone before the handover, serving alone', 20_000)
  assert.equal(gone.pid, child)
  assert.equal(gone.parentPid, parent)
  await waitFor(() => datagrams.some((d) => d.pid === child && d.message.includes('READY=1')), 10_000)
  assert.equal(await readPid(), child, 'the PID file names the new process')
  const ready = fields(datagrams.find((d) => d.pid === child && d.message.includes('READY=1'))!)
  assert.equal(ready.MAINPID, String(child), 'systemd hears the new main pid from the new process itself')
  const response = await fetch(`http://127.0.0.1:${port}/work`)
  assert.equal(((await response.json()) as { pid: number }).pid, child)

  process.kill(child, 'SIGTERM')
  await waitFor(() => !isAlive(child), 20_000)
  assert.ok(!fixture.lines.some((l) => l.pid === child && (l.level as number) >= 50), `no error in the new process\n${fixture.describe()}`)
})
