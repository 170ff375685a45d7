// The flagship example (`npm start`) as a real process: it boots, serves notes over HTTP, its
// background job purges expired notes, and a signal stops every service in reverse order, exit 0.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { BOOT_TIMEOUT, exampleDataDir, exampleStarted, hasLockFile, postNote, startExample as startExampleProcess, type Example } from '../helpers/example-process.ts'

type LogLine = Record<string, unknown>

const SERVICES = ['store', 'migrate', 'notes', 'janitor', 'digest', 'api']

async function startExample (t: TestContext): Promise<{ example: Example['fixture'], store: Example, base: string, admin: string }> {
  // Each test on a data directory of its own: the embedded store keeps its notes across runs.
  const store = startExampleProcess(t, await exampleDataDir(t))
  const example = store.fixture
  const { base, admin } = await exampleStarted(store)
  const messages = example.lines.map((line) => line.msg)
  assert.ok(messages.indexOf('admin server listening') < messages.indexOf('runner started'), `the admin server listens before the runner has started; ${example.describe()}`)
  return { example, store, base, admin }
}

/** Each service's `stopped` transition once the shutdown began (a restart stops a service too), in the order they were logged. */
function stoppedOrder (lines: LogLine[]): unknown[] {
  const shutdown = lines.findIndex((line) => line.msg === 'shutdown started')
  return lines.slice(shutdown).filter((line) => line.msg === 'service state changed' && line.state === 'stopped').map((line) => line.service)
}

test('the example serves notes, purges expired ones in the background, and exits 0 on SIGTERM', { timeout: BOOT_TIMEOUT + 60_000 }, async (t) => {
  const { example, store, base, admin } = await startExample(t)

  let kept = { id: 0 }
  await t.test('POST /notes stores a note and GET /notes/:id reads it back', async () => {
    const created = await postNote(base, { text: 'buy milk' })
    assert.equal(created.status, 201)
    const note = await created.json() as { id: number, text: string, expiresAt: string | null }
    kept = note
    assert.equal(note.text, 'buy milk')
    assert.equal(note.expiresAt, null)
    assert.equal(created.headers.get('location'), `/notes/${note.id}`)

    const read = await fetch(`${base}/notes/${note.id}`)
    assert.equal(read.status, 200)
    assert.deepEqual(await read.json(), note)
  })

  await t.test('GET /notes lists the notes; a missing note is 404 and a note without text is 400', async () => {
    const list = await fetch(`${base}/notes`)
    assert.equal(list.status, 200)
    assert.deepEqual((await list.json() as Array<{ id: number }>).map((note) => note.id), [kept.id])
    assert.equal((await fetch(`${base}/notes/999999`)).status, 404)
    assert.equal((await postNote(base, { ttlSeconds: 5 })).status, 400)
  })

  await t.test('the janitor deletes a note once it expires', async () => {
    const created = await postNote(base, { text: 'call back', ttlSeconds: 1 })
    assert.equal(created.status, 201)
    const { id, createdAt, expiresAt } = await created.json() as { id: number, createdAt: string, expiresAt: string }
    assert.equal(Date.parse(expiresAt) - Date.parse(createdAt), 1_000)

    await example.waitForLine((line) => line.msg === 'expired notes purged' && (line.ids as number[]).includes(id), 15_000)
    assert.equal((await fetch(`${base}/notes/${id}`)).status, 404)
    const list = await fetch(`${base}/notes`)
    assert.deepEqual((await list.json() as Array<{ id: number }>).map((note) => note.id), [kept.id], 'the note without expiry stays')
  })

  await t.test('the flaky digest job fails in its first life and is restarted after its backoff delay', async () => {
    const scheduled = await example.waitForLine((line) => line.msg === 'service restart scheduled' && line.service === 'digest', 15_000)
    assert.equal(scheduled.reason, 'run-failed')
    assert.equal(scheduled.attempt, 1, 'the first restart')
    assert.ok((scheduled.delay as number) >= 160 && (scheduled.delay as number) <= 240, `200 ms ± 20 %: ${String(scheduled.delay)}`)
    await example.waitForLine((line) => line.msg === 'digest sent' && line.attempt === 1, 15_000)
  })

  await t.test('health: the store is checked and notes and janitor follow it, on the admin /health', async () => {
    const response = await fetch(`${admin}/health`)
    assert.equal(response.status, 200)
    const { services } = await response.json() as { services: Record<string, { health: string, lastCheck?: number }> }
    for (const name of ['store', 'notes', 'janitor']) assert.equal(services[name].health, 'healthy', name)
    assert.equal(typeof services.store.lastCheck, 'number', 'the store was checked')
  })

  await t.test('the notes service counts on the runner\'s registry, served by the admin /metrics', async () => {
    const metrics = await fetch(`${admin}/metrics`)
    assert.equal(metrics.status, 200)
    assert.match(await metrics.text(), /^example_notes_created_total 2$/m)
  })

  await t.test('SIGTERM stops every service in reverse order and the process exits 0', async () => {
    example.child.kill('SIGTERM')
    const { code, signal } = await example.exited
    assert.equal(signal, null, example.describe())
    assert.equal(code, 0, example.describe())
    const messages = example.lines.map((line) => line.msg)
    assert.ok(example.lines.some((line) => line.msg === 'shutdown signal received' && line.signal === 'SIGTERM'))
    assert.deepEqual(stoppedOrder(example.lines), [...SERVICES].reverse())
    assert.ok(messages.indexOf('store closed') > messages.indexOf('shutdown signal received'), 'the store closed its database')
    assert.equal(hasLockFile(store), false, 'the store process closed the data directory before the last generation exited')
    assert.equal(messages.at(-1), 'runner stopped', JSON.stringify(example.lines.slice(-4)))
    // The only errors: the digest's first life failing on purpose (its state, and its health with it).
    const errors = example.lines.filter((line) => (line.level as number) >= 50)
    assert.deepEqual(errors.map((line) => [line.service, line.msg]), [['digest', 'service state changed'], ['digest', 'service health changed']], 'no other error was logged')
  })
})

test('Ctrl-C (SIGINT) stops the example cleanly with exit code 0', { timeout: BOOT_TIMEOUT + 30_000 }, async (t) => {
  const { example } = await startExample(t)
  example.child.kill('SIGINT')
  const { code, signal } = await example.exited
  assert.equal(signal, null, example.describe())
  assert.equal(code, 0, example.describe())
  assert.ok(example.lines.some((line) => line.msg === 'shutdown signal received' && line.signal === 'SIGINT'))
  assert.deepEqual(stoppedOrder(example.lines), [...SERVICES].reverse())
  assert.equal(example.lines.at(-1)?.msg, 'runner stopped')
})
