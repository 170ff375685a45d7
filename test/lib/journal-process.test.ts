import assert from 'node:assert/strict'
import { test } from 'node:test'
import { waitFor } from '../helpers/fixture-process.ts'
import { startJournalFixture, tempJournalSocket } from '../helpers/journal-receiver.ts'

test('a runner with log.destination journal sends every record of its life to the journal socket, none to stdout', async (t) => {
  const { socket, records } = await tempJournalSocket(t)
  const fixture = startJournalFixture(t, { FSR_LOG_DESTINATION: 'journal', FIXTURE_JOURNAL_SOCKET: socket })
  let stdout = ''
  fixture.child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  const port = await fixture.port
  const response = await fetch(`http://127.0.0.1:${port}/hello`)
  assert.deepEqual(await response.json(), { hello: 'world' })
  await waitFor(() => records.some(({ fields }) => fields.MESSAGE === 'request completed'))
  fixture.child.kill('SIGTERM')
  const { code } = await fixture.exited
  assert.equal(code, 0, fixture.stderr())
  assert.equal(stdout, '', 'nothing on stdout')

  const byMessage = (message: string) => records.find(({ fields }) => fields.MESSAGE === message)?.fields
  assert.ok(records.every(({ fields }) => fields.SYSLOG_IDENTIFIER === 'journal-fixture'))
  assert.deepEqual(byMessage('store opened'), { PRIORITY: '6', SYSLOG_IDENTIFIER: 'journal-fixture', MESSAGE: 'store opened', SERVICE: 'store', ROWS: '3' })
  const handled = byMessage('hello handled')
  assert.ok(handled !== undefined)
  assert.match(handled.REQ_ID, /^req-/)
  assert.equal(handled.NOTE, 'first line\nsecond line')
  const completed = byMessage('request completed')
  assert.ok(completed !== undefined)
  assert.equal(completed.REQ_ID, handled.REQ_ID)
  assert.equal(completed.RES_STATUS_CODE, '200')
  assert.equal(byMessage('incoming request')?.REQ_URL, '/hello')
  assert.equal(byMessage('shutdown signal received')?.SIGNAL, 'SIGTERM')
  assert.equal(records.at(-1)?.fields.MESSAGE, 'runner stopped', 'the last record is sent before the process exits')
})
