import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner } from '../../lib/index.ts'
import { waitFor } from '../helpers/fixture-process.ts'
import { tempJournalSocket } from '../helpers/journal-receiver.ts'

/** The most one record takes, in bytes (docs/journal.md). */
const MAX_RECORD_BYTES = 61_440

async function journalRunner (t: import('node:test').TestContext, level: 'info' | 'trace' = 'info') {
  const journal = await tempJournalSocket(t)
  const runner = createRunner({ server: false, admin: false, signals: false, log: { level, destination: 'journal', journal: { socket: journal.socket, identifier: 'journal-test' } } })
  return { ...journal, log: runner.app.log }
}

test('a record carries PRIORITY, MESSAGE, SYSLOG_IDENTIFIER, SERVICE, REQ_ID and every other field upper-cased', async (t) => {
  const { records, log } = await journalRunner(t)
  log.child({ service: 'store' }).info({
    reqId: 'req-7',
    responseTime: 1.5,
    user: { id: 42, name: 'ann', address: { city: 'Oslo' } },
    tags: ['a', 'b'],
    'weird-key.x': 1,
    _private: 'p',
    '9lives': 'cat',
    priority: 'high',
    isOk: true,
    nothing: null,
  }, 'hello journal')
  await waitFor(() => records.length === 1)
  const { fields, binary } = records[0]
  assert.deepEqual(fields, {
    PRIORITY: '6',
    SYSLOG_IDENTIFIER: 'journal-test',
    MESSAGE: 'hello journal',
    SERVICE: 'store',
    REQ_ID: 'req-7',
    RESPONSE_TIME: '1.5',
    USER_ID: '42',
    USER_NAME: 'ann',
    USER_ADDRESS_CITY: 'Oslo',
    TAGS: '["a","b"]',
    WEIRD_KEY_X: '1',
    PRIVATE: 'p',
    X_9LIVES: 'cat',
    X_PRIORITY: 'high',
    IS_OK: 'true',
    NOTHING: 'null',
  }, 'level, time, pid and hostname are left to the journal (PRIORITY, its own timestamp, _PID, _HOSTNAME)')
  assert.deepEqual(binary, [])
})

test('pino levels map to syslog priorities', async (t) => {
  const { records, log } = await journalRunner(t, 'trace')
  log.trace('t')
  log.debug('d')
  log.info('i')
  log.warn('w')
  log.error('e')
  log.fatal('f')
  await waitFor(() => records.length === 6)
  assert.deepEqual(records.map(({ fields }) => [fields.MESSAGE, fields.PRIORITY]), [['t', '7'], ['d', '7'], ['i', '6'], ['w', '4'], ['e', '3'], ['f', '2']])
})

test('a multi-line value goes in the binary form and decodes unchanged', async (t) => {
  const { records, log } = await journalRunner(t)
  log.info('line one\nline two\n')
  const err = new Error('boom')
  log.error({ err }, 'failed')
  await waitFor(() => records.length === 2)
  assert.equal(records[0].fields.MESSAGE, 'line one\nline two\n')
  assert.deepEqual(records[0].binary, ['MESSAGE'])
  const failed = records[1].fields
  assert.equal(failed.ERR_TYPE, 'Error')
  assert.equal(failed.ERR_MESSAGE, 'boom')
  assert.equal(failed.ERR_STACK, err.stack)
  assert.deepEqual(records[1].binary, ['ERR_STACK'])
})

test('a record larger than the limit is cut, largest value first, with a marker, at a character boundary', async (t) => {
  const { records, log } = await journalRunner(t)
  log.info({ blob: 'x'.repeat(200_000), small: 'kept' }, 'big')
  log.info({ wide: 'é'.repeat(100_000) }, 'wide')
  log.info(`${'m'.repeat(70_000)}\nend`)
  await waitFor(() => records.length === 3)
  for (const record of records) assert.ok(record.bytes <= MAX_RECORD_BYTES, `${record.bytes} bytes`)
  const [big, wide, long] = records.map((record) => record.fields)
  assert.equal(big.MESSAGE, 'big')
  assert.equal(big.SMALL, 'kept')
  assert.match(big.BLOB, /^x+…\[cut: 200000 bytes in all\]$/)
  assert.ok(big.BLOB.length > 50_000, 'as much as fits is kept')
  assert.match(wide.WIDE, /^é+…\[cut: 200000 bytes in all\]$/, 'no character is split')
  assert.match(long.MESSAGE, /^m+…\[cut: 70004 bytes in all\]$/)
  assert.ok(records.every((record) => record.fields.SYSLOG_IDENTIFIER === 'journal-test' && record.fields.PRIORITY === '6'))
})
