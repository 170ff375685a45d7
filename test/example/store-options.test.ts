// Where the example's store keeps its data, from its environment; bad settings are all reported at once.
import assert from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { resolveStoreOptions } from '../../example/store/options.ts'

test('the store is PGlite in FSR_EXAMPLE_DATA_DIR, by default in the temporary directory', () => {
  assert.deepEqual(resolveStoreOptions({}), {
    engine: 'pglite',
    dataDir: join(tmpdir(), 'fsr-example-notes'),
    socketPath: join(tmpdir(), 'fsr-example-notes', 'store.sock'),
  })
  const options = resolveStoreOptions({ FSR_EXAMPLE_DATA_DIR: '/var/lib/notes' })
  assert.deepEqual(options, { engine: 'pglite', dataDir: '/var/lib/notes', socketPath: '/var/lib/notes/store.sock' })
  assert.ok(Object.isFrozen(options))
})

test('bad settings fail with FSR_ERR_EXAMPLE_STORE_OPTIONS, saying what is accepted', () => {
  assert.throws(() => resolveStoreOptions({ FSR_EXAMPLE_DATA_DIR: '' }), (err: Error & { code: string }) => {
    assert.equal(err.code, 'FSR_ERR_EXAMPLE_STORE_OPTIONS')
    assert.match(err.message, /FSR_EXAMPLE_DATA_DIR: expected a directory path, got an empty string/)
    return true
  })
  assert.throws(() => resolveStoreOptions({ FSR_EXAMPLE_DATA_DIR: `/${'d'.repeat(100)}` }), /too long for the store's unix socket .* at most 103\); choose a shorter directory/)
})
