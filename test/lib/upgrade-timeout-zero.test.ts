import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isAlive } from '../../lib/process-control.ts'
import { waitFor } from '../helpers/fixture-process.ts'
import { upgradeFixture } from '../helpers/upgrade-fixture.ts'

test('FSR_UPGRADE_TIMEOUT=0 means no limit: the upgrade waits for the new process and hands over', { timeout: 60_000 }, async (t) => {
  const { fixture, readPid } = await upgradeFixture(t, { FSR_UPGRADE_TIMEOUT: '0' })
  const old = await readPid()
  process.kill(old, 'SIGHUP')
  const handedOver = await fixture.waitForLine((l) => (l.msg === 'upgrade handed over, draining' || l.msg === 'upgrade failed') && l.pid === old, 30_000)
  assert.equal(handedOver.msg, 'upgrade handed over, draining', JSON.stringify(handedOver))
  const next = handedOver.newPid as number
  await waitFor(() => !isAlive(old), 20_000)
  assert.equal(await readPid(), next)
  process.kill(next, 'SIGTERM')
  await waitFor(() => !isAlive(next), 20_000)
})
