import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { tempJournalSocket } from '../helpers/journal-receiver.ts'

test('a program that logged into the journal and has nothing left to do exits by itself', async (t) => {
  const { socket, records } = await tempJournalSocket(t)
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/journal-log-once.ts'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, FIXTURE_JOURNAL_SOCKET: socket },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  // A process kept alive would never exit: after 30 s it is killed, and the test fails saying so.
  const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const [code, signal] = await once(child, 'exit')
  clearTimeout(deadline)
  assert.equal(signal, null, 'still running 30 s after its last record: something keeps it alive')
  assert.equal(code, 0)
  assert.equal(stdout, '')
  assert.deepEqual(records.map(({ fields }) => fields.MESSAGE), ['logged once'])
})
