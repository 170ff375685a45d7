// The same example on a real PostgreSQL (DATABASE_URL): Debian's postgresql, started for the test on
// a loopback port in a temporary directory. CI installs it; elsewhere, without it, the test says why it skips.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import { BOOT_TIMEOUT, exampleDataDir, exampleStarted, postNote, startExample } from '../helpers/example-process.ts'
import { findPostgresBin, startPostgres } from '../helpers/postgres-server.ts'

const bin = await findPostgresBin()
const skip = bin === undefined && process.env.CI !== 'true'
  ? 'PostgreSQL is not installed (initdb not found in /usr/lib/postgresql/*/bin nor on PATH); CI installs it'
  : false

test('with DATABASE_URL the example stores its notes in PostgreSQL, rides out a server restart, and stops cleanly', { skip, timeout: BOOT_TIMEOUT + 60_000 }, async (t) => {
  assert.ok(bin !== undefined, 'CI installs postgresql (.ci/run DEBIAN_PACKAGES)')
  const postgres = await startPostgres(t, bin)
  const example = startExample(t, await exampleDataDir(t), { DATABASE_URL: postgres.url })
  const { fixture } = example
  const { base } = await exampleStarted(example)
  const opened = fixture.lines.find((line) => line.msg === 'store opened')
  assert.equal(opened?.engine, 'postgres', fixture.describe())
  assert.ok(!fixture.lines.some((line) => line.msg === 'store process started'), 'no embedded store')

  const created = await postNote(base, { text: 'on a real PostgreSQL' })
  assert.equal(created.status, 201, fixture.describe())
  const note = await created.json() as { id: number, text: string }
  const read = await fetch(`${base}/notes/${note.id}`)
  assert.deepEqual(await read.json(), note)

  // The note is in the server, where another client reads it.
  const client = new pg.Client({ connectionString: postgres.url })
  await client.connect()
  t.after(() => client.end())
  const { rows } = await client.query<{ text: string }>('select text from notes where id = $1', [note.id])
  assert.deepEqual(rows, [{ text: 'on a real PostgreSQL' }])
  await client.end()

  // A restart ends the pool's idle connections with an error: heard by the pool's listener, not thrown.
  await postgres.restart()
  await fixture.waitForLine((line) => line.msg === 'database connection lost', 15_000)
  const again = await postNote(base, { text: 'after the restart' })
  assert.equal(again.status, 201, fixture.describe())
  assert.equal(fixture.child.exitCode, null, 'the example still runs')

  fixture.child.kill('SIGTERM')
  const { code, signal } = await fixture.exited
  assert.equal(signal, null, fixture.describe())
  assert.equal(code, 0, fixture.describe())
  assert.equal(fixture.lines.at(-1)?.msg, 'runner stopped')
  assert.ok(!fixture.lines.some((line) => line.msg === 'uncaught exception' || line.msg === 'unhandled rejection'), fixture.describe())
})
