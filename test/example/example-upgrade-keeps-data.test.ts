// kill -HUP on the example: the new generation serves the notes the old one stored. The embedded
// store lives in a data directory, owned by one store process that both generations share.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { waitFor } from '../helpers/fixture-process.ts'
import { startLoad } from '../helpers/strict-client.ts'
import { BOOT_TIMEOUT, exampleDataDir, exampleStarted, hasLockFile, postNote, processGone, startExample } from '../helpers/example-process.ts'

test('a note made before kill -HUP is read through the new generation, no request fails meanwhile, and the store closes with the last one', { timeout: 2 * BOOT_TIMEOUT + 60_000 }, async (t) => {
  const example = startExample(t, await exampleDataDir(t))
  const { fixture } = example
  const { base } = await exampleStarted(example)
  const oldPid = fixture.child.pid as number

  const created = await postNote(base, { text: 'survives the upgrade' })
  assert.equal(created.status, 201)
  const note = await created.json() as { id: number }

  // A strict client (no retries) reads the note through the whole handover. A note carries no pid:
  // only the failures count here.
  const load = startLoad(Number(new URL(base).port), `/notes/${note.id}`, 2)
  t.after(() => load.stop())
  await waitFor(() => load.answeredAt.length > 0, 10_000)

  fixture.child.kill('SIGHUP')
  const { newPid } = await fixture.waitForLine((line) => line.msg === 'upgrade started', 10_000) as { newPid: number }
  await fixture.waitForLine((line) => line.msg === 'upgrade handed over, draining' && line.pid === oldPid, BOOT_TIMEOUT)
  // Its exit code: the stdout pipe it shares with the new generation stays open, so not through `exited`.
  const { child } = fixture
  const exit = child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise<number | null>((resolve) => child.once('exit', resolve))
  await processGone(oldPid)
  assert.equal(await exit, 0, fixture.describe())

  const served = load.answeredAt.length
  await waitFor(() => load.answeredAt.length > served, 10_000)
  assert.deepEqual((await load.stop()).failures, [], 'no request failed through the upgrade')

  // The old generation is gone: the listening socket now belongs to the new one alone.
  const read = await fetch(`${base}/notes/${note.id}`)
  assert.equal(read.status, 200, fixture.describe())
  assert.deepEqual(await read.json(), note)
  const opened = fixture.lines.filter((line) => line.msg === 'store opened')
  assert.deepEqual(opened.map((line) => line.pid), [oldPid, newPid], 'each generation opened the store')
  assert.equal(opened[1].storePid, opened[0].storePid, 'the new generation uses the store process the old one started')
  assert.equal(opened[1].spawned, false)

  process.kill(newPid, 'SIGTERM')
  await processGone(newPid)
  assert.equal(hasLockFile(example), false, 'the last generation closed the store and released the data directory')
})
