import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { waitFor } from '../helpers/fixture-process.ts'
import { startJournalFixture, tempJournalSocket } from '../helpers/journal-receiver.ts'

const WITHOUT_MODULE = fileURLToPath(new URL('../fixtures/without-node-unix-socket.cjs', import.meta.url))

/** Runs the fixture with `env`, asks it one request, stops it; returns its stdout lines. */
async function runToStdout (t: TestContext, env: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const fixture = startJournalFixture(t, env)
  let stdout = ''
  fixture.child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  const port = await fixture.port
  assert.equal((await fetch(`http://127.0.0.1:${port}/hello`)).status, 200)
  fixture.child.kill('SIGTERM')
  assert.equal((await fixture.exited).code, 0, fixture.stderr())
  return stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
}

function assertOneWarning (lines: Array<Record<string, unknown>>, reason: RegExp): void {
  const warnings = lines.filter((line) => line.level === 40)
  assert.equal(warnings.length, 1, JSON.stringify(warnings))
  assert.equal(warnings[0].msg, 'journal unavailable, logging to stdout')
  const err = warnings[0].err as { code: string, message: string }
  assert.equal(err.code, 'FSR_ERR_JOURNAL_UNAVAILABLE')
  assert.match(err.message, reason)
  for (const message of ['store opened', 'hello handled', 'request completed', 'runner stopped']) {
    assert.ok(lines.some((line) => line.msg === message), `${message} is on stdout, as JSON`)
  }
}

test('log.destination journal without a socket at the path: stdout JSON with one warning', async (t) => {
  const { socket } = await tempJournalSocket(t)
  const missing = join(dirname(socket), 'missing.sock')
  assertOneWarning(await runToStdout(t, { FSR_LOG_DESTINATION: 'journal', FIXTURE_JOURNAL_SOCKET: missing }), /cannot be reached \(ENOENT\)/)
})

test('a path that is not a socket: stdout JSON with one warning', async (t) => {
  const { socket } = await tempJournalSocket(t)
  const file = join(dirname(socket), 'plain-file')
  await writeFile(file, '')
  assertOneWarning(await runToStdout(t, { FSR_LOG_DESTINATION: 'journal', FIXTURE_JOURNAL_SOCKET: file }), /it is not a socket/)
})

test('without the native module node-unix-socket: stdout JSON with one warning saying to install it', async (t) => {
  const { socket, records } = await tempJournalSocket(t)
  const lines = await runToStdout(t, { FSR_LOG_DESTINATION: 'journal', FIXTURE_JOURNAL_SOCKET: socket, NODE_OPTIONS: `--require=${WITHOUT_MODULE}` })
  assertOneWarning(lines, /node-unix-socket cannot be loaded: install it/)
  assert.equal(records.length, 0)
})

test('a journal that goes away while the program runs: its lines go to stdout with one warning, and back to the journal once it returns', async (t) => {
  const journal = await tempJournalSocket(t)
  const fixture = startJournalFixture(t, { FSR_LOG_DESTINATION: 'journal', FIXTURE_JOURNAL_SOCKET: journal.socket })
  let stdout = ''
  fixture.child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  const port = await fixture.port
  await journal.close()
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`http://127.0.0.1:${port}/hello`)).status, 200)
  await waitFor(() => stdout.split('"msg":"request completed"').length === 4)
  journal.bind()
  assert.equal((await fetch(`http://127.0.0.1:${port}/hello`)).status, 200)
  await waitFor(() => journal.records.some(({ fields }) => fields.MESSAGE === 'request completed'))
  fixture.child.kill('SIGTERM')
  assert.equal((await fixture.exited).code, 0, fixture.stderr())

  const lines = stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
  const warnings = lines.filter((line) => line.level === 40)
  assert.equal(warnings.length, 1, JSON.stringify(warnings))
  assert.equal(warnings[0].msg, 'journal send failed, logging to stdout')
  const err = warnings[0].err as { code: string, message: string }
  assert.equal(err.code, 'FSR_ERR_JOURNAL_UNAVAILABLE')
  assert.match(err.message, /sending failed \(No such file or directory\)/)
  assert.equal(lines.filter((line) => line.msg === 'hello handled').length, 3, 'every line while the journal was away is on stdout')
  const back = journal.records.find(({ fields }) => fields.MESSAGE === 'journal reachable again')
  assert.ok(back !== undefined, 'the return is told in the journal')
  assert.equal(back.fields.LINES, String(lines.length), 'with the count of lines that went to stdout')
  assert.ok(journal.records.some(({ fields }) => fields.MESSAGE === 'runner stopped'))
})
