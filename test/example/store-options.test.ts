// Which store the example runs on, from its environment; bad settings are all reported at once.
import assert from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { resolveStoreOptions } from '../../example/store/options.ts'

test('without DATABASE_URL the store is PGlite in FSR_EXAMPLE_DATA_DIR, by default in the temporary directory', () => {
  assert.deepEqual(resolveStoreOptions({}), {
    engine: 'pglite',
    dataDir: join(tmpdir(), 'fsr-example-notes'),
    socketPath: join(tmpdir(), 'fsr-example-notes', 'store.sock'),
  })
  const options = resolveStoreOptions({ FSR_EXAMPLE_DATA_DIR: '/var/lib/notes' })
  assert.deepEqual(options, { engine: 'pglite', dataDir: '/var/lib/notes', socketPath: '/var/lib/notes/store.sock' })
  assert.ok(Object.isFrozen(options))
})

test('DATABASE_URL selects PostgreSQL, and wins over the data directory', () => {
  const url = 'postgres://notes:secret@127.0.0.1:5432/notes'
  assert.deepEqual(resolveStoreOptions({ DATABASE_URL: url, FSR_EXAMPLE_DATA_DIR: '/var/lib/notes' }), { engine: 'postgres', url })
  assert.deepEqual(resolveStoreOptions({ DATABASE_URL: 'postgresql:///notes' }), { engine: 'postgres', url: 'postgresql:///notes' })
})

test('bad settings fail with FSR_ERR_EXAMPLE_STORE_OPTIONS, every problem named, no password quoted', () => {
  assert.throws(() => resolveStoreOptions({ DATABASE_URL: 'mysql://root:hunter2@db/notes', FSR_EXAMPLE_DATA_DIR: '' }), (err: Error & { code: string }) => {
    assert.equal(err.code, 'FSR_ERR_EXAMPLE_STORE_OPTIONS')
    assert.match(err.message, /DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL, got a mysql:\/\/ URL/)
    assert.match(err.message, /FSR_EXAMPLE_DATA_DIR: expected a directory path, got an empty string/)
    assert.doesNotMatch(err.message, /hunter2/)
    return true
  })
  assert.throws(() => resolveStoreOptions({ DATABASE_URL: 'not a url' }), /got something that is not a URL/)
  assert.throws(() => resolveStoreOptions({ FSR_EXAMPLE_DATA_DIR: `/${'d'.repeat(100)}` }), /too long for the store's unix socket .* at most 103\); choose a shorter directory/)
})
