import assert from 'node:assert/strict'
import { fstatSync, openSync, closeSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { waitFor } from '../helpers/fixture-process.ts'
import { startJournalFixture, tempJournalSocket, type JournalRecord } from '../helpers/journal-receiver.ts'

/**
 * Runs the fixture (log.destination left at auto) with its stdout in a file and JOURNAL_STREAM made
 * from that file's `device:inode` by `stream`; returns what reached the journal and the file.
 */
async function runWithStdoutFile (t: TestContext, stream: (dev: bigint, ino: bigint) => string, env: Record<string, string> = {}): Promise<{ records: JournalRecord[], stdout: string }> {
  const { socket, records } = await tempJournalSocket(t)
  const file = join(dirname(socket), 'stdout.log')
  const fd = openSync(file, 'w')
  const { dev, ino } = fstatSync(fd, { bigint: true })
  const fixture = startJournalFixture(t, { FIXTURE_JOURNAL_SOCKET: socket, JOURNAL_STREAM: stream(dev, ino), ...env }, fd)
  closeSync(fd)
  await fixture.port
  fixture.child.kill('SIGTERM')
  assert.equal((await fixture.exited).code, 0, fixture.stderr())
  return { records, stdout: readFileSync(file, 'utf8') }
}

test('JOURNAL_STREAM naming our stdout sends the records to the journal', async (t) => {
  const { records, stdout } = await runWithStdoutFile(t, (dev, ino) => `${dev}:${ino}`)
  await waitFor(() => records.some(({ fields }) => fields.MESSAGE === 'runner stopped'))
  assert.ok(records.some(({ fields }) => fields.MESSAGE === 'store opened' && fields.SERVICE === 'store'))
  assert.equal(stdout, '')
})

test('JOURNAL_STREAM naming another file (stdout redirected by a child or a shell) keeps stdout', async (t) => {
  const { records, stdout } = await runWithStdoutFile(t, (dev, ino) => `${dev}:${ino + 1n}`)
  assert.match(stdout, /"msg":"runner stopped"/)
  assert.ok(!stdout.includes('"level":40'), 'no warning: the journal was not asked for')
  assert.equal(records.length, 0)
})

test('FSR_LOG_DESTINATION=stdout keeps stdout even when JOURNAL_STREAM names it', async (t) => {
  const { records, stdout } = await runWithStdoutFile(t, (dev, ino) => `${dev}:${ino}`, { FSR_LOG_DESTINATION: 'stdout' })
  assert.match(stdout, /"msg":"runner stopped"/)
  assert.equal(records.length, 0)
})
