// The example's embedded store client on its own: typed rows and SQL errors come through the store
// process, and when that process dies the next query starts a new one on the same data.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { pino } from 'pino'
import { PgliteStore } from '../../example/store/pglite-client.ts'
import { BOOT_TIMEOUT, exampleDataDir, processGone } from '../helpers/example-process.ts'

test('rows, SQL errors, a killed store process and close, through the embedded store client', { timeout: 2 * BOOT_TIMEOUT }, async (t) => {
  const dataDir = await exampleDataDir(t)
  const gone: string[] = []
  const options = { dataDir, socketPath: join(dataDir, 'store.sock'), log: pino({ level: 'silent' }), onGone: (reason: string) => { gone.push(reason) } }
  const { store, storePid, spawned } = await PgliteStore.open(options, AbortSignal.timeout(BOOT_TIMEOUT))
  t.after(() => store.close())
  assert.equal(spawned, true)

  await store.query('create table kept (n int); insert into kept values (1)')
  const { rows } = await store.query<{ n: number, at: Date }>('select $1::int as n, now() as at', [5])
  assert.equal(rows[0].n, 5)
  assert.ok(rows[0].at instanceof Date, 'a timestamptz arrives as a Date, as from PGlite or pg')
  await assert.rejects(store.query('select nope'), { code: 'FSR_ERR_EXAMPLE_QUERY', sqlState: '42703', message: 'query failed: column "nope" does not exist' })

  // A query under way when the store process dies fails (frozen first, so that it is still under way).
  process.kill(storePid, 'SIGSTOP')
  const underWay = store.query('select 1')
  process.kill(storePid, 'SIGKILL')
  await assert.rejects(underWay, { code: 'FSR_ERR_EXAMPLE_STORE_GONE' })
  await processGone(storePid)
  assert.deepEqual(gone, [`the connection to the store process is closed: store process ${storePid} went away`])
  // The next query starts a new store process, which takes over the dead one's lock.
  assert.deepEqual((await store.query('select n from kept')).rows, [{ n: 1 }])

  await store.close()
  await assert.rejects(store.query('select 1'), { code: 'FSR_ERR_EXAMPLE_STORE_GONE', message: 'the connection to the store process is closed: the store was closed' })
  assert.equal(existsSync(join(dataDir, 'store.lock')), false, 'close() returned once the last lease was released and the directory closed')
})
