import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { isAlive } from '../../lib/process-control.ts'
import { waitFor } from '../helpers/fixture-process.ts'
import { fields, tempNotifySocket } from '../helpers/notify-receiver.ts'
import { startLoad } from '../helpers/strict-client.ts'
import { upgradeFixture } from '../helpers/upgrade-fixture.ts'

test('a PID file that became unwritable does not break the handover: logged, systemd told, old process drains and exits 0', { timeout: 60_000 }, async (t) => {
  const { socket, datagrams } = await tempNotifySocket(t)
  const { fixture, port, dir, readPid } = await upgradeFixture(t, { NOTIFY_SOCKET: socket }, 'upgrade-server.ts', 'run/app.pid')
  const old = await readPid()
  // Where the PID file's directory was, a file: every write now fails with ENOTDIR.
  await rm(join(dir, 'run'), { recursive: true })
  await writeFile(join(dir, 'run'), '')
  const load = startLoad(port, '/work?ms=10', 2)
  t.after(() => load.stop())
  await waitFor(() => load.byPid.size === 1)
  process.kill(old, 'SIGHUP')
  const failed = await fixture.waitForLine((l) => l.msg === 'pid file not written' && l.pid === old, 30_000) as { err: { code: string } }
  assert.equal(failed.err.code, 'ENOTDIR')
  const handedOver = await fixture.waitForLine((l) => l.msg === 'upgrade handed over, draining' && l.pid === old) as { newPid: number }
  await waitFor(() => datagrams.some((d) => d.pid === old && d.message.includes('MAINPID=')))
  const told = fields(datagrams.find((d) => d.pid === old && d.message.includes('MAINPID='))!)
  assert.equal(told.MAINPID, String(handedOver.newPid))
  assert.equal(told.READY, '1')
  await waitFor(() => fixture.child.exitCode !== null, 20_000)
  assert.equal(fixture.child.exitCode, 0, fixture.describe())
  await waitFor(() => (load.byPid.get(handedOver.newPid) ?? 0) > 0, 10_000)
  const result = await load.stop()
  assert.deepEqual(result.failures, [])
  process.kill(handedOver.newPid, 'SIGTERM')
  await waitFor(() => !isAlive(handedOver.newPid), 20_000)
})
