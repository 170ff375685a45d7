// The example while it boots: the embedded store opens in a process of its own, so the admin server
// answers and Ctrl-C stops the boot at once, instead of both waiting for PGlite's initdb.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { test, type TestContext } from 'node:test'
import { BOOT_TIMEOUT, exampleDataDir, exampleStarted, hasLockFile, processGone, startExample, type Example } from '../helpers/example-process.ts'

// The example spawns the store process as soon as the store service starts: right after the admin server listens.
const STORE_SPAWN_TIMEOUT = 30_000

/** Resolves with the error code of a TCP connect to the loopback port (undefined when it connected). */
function connectError (port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(undefined) })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code))
  })
}

/**
 * Starts the example on a fresh data directory and freezes its store process (SIGSTOP) as soon as it
 * is spawned: it cannot finish opening, so whatever the example does next does not wait for it.
 */
async function bootWithFrozenStore (t: TestContext): Promise<{ example: Example, port: number, storePid: number }> {
  const example = startExample(t, await exampleDataDir(t))
  const { fixture } = example
  const { port } = await fixture.waitForLine((line) => line.msg === 'admin server listening') as { port: number }
  const { storePid } = await fixture.waitForLine((line) => line.msg === 'store process started', STORE_SPAWN_TIMEOUT) as { storePid: number }
  process.kill(storePid, 'SIGSTOP')
  t.after(() => { try { process.kill(storePid, 'SIGCONT') } catch {} })
  return { example, port, storePid }
}

test('the admin server answers /health/live and /services while the store process is still opening', { timeout: BOOT_TIMEOUT + 30_000 }, async (t) => {
  const { example, port, storePid } = await bootWithFrozenStore(t)
  const { fixture } = example

  const live = await fetch(`http://127.0.0.1:${port}/health/live`)
  assert.equal(live.status, 200)
  const services = await fetch(`http://127.0.0.1:${port}/services`)
  const { services: list } = await services.json() as { services: Array<{ name: string, state: string }> }
  assert.equal(list.find((service) => service.name === 'store')?.state, 'initiating', JSON.stringify(list))

  process.kill(storePid, 'SIGCONT')
  await exampleStarted(example)
  fixture.child.kill('SIGTERM')
  const { code } = await fixture.exited
  assert.equal(code, 0, fixture.describe())
})

test('Ctrl-C (SIGINT) while the store opens ends the boot at once: exit 0, nothing left listening or running', { timeout: BOOT_TIMEOUT + 30_000 }, async (t) => {
  const { example, port, storePid } = await bootWithFrozenStore(t)
  const { fixture } = example

  fixture.child.kill('SIGINT')
  const { code, signal } = await fixture.exited
  assert.equal(signal, null, fixture.describe())
  assert.equal(code, 0, fixture.describe())
  const messages = fixture.lines.map((line) => line.msg)
  assert.ok(fixture.lines.some((line) => line.msg === 'shutdown signal received' && line.signal === 'SIGINT'), fixture.describe())
  // The stop did not wait for the store: its init gave up, it never opened, nothing after it loaded.
  assert.ok(!messages.includes('store opened'), fixture.describe())
  assert.ok(!messages.includes('runner started'), fixture.describe())
  assert.equal(await connectError(port), 'ECONNREFUSED', 'the admin server no longer listens')

  process.kill(storePid, 'SIGCONT')
  // The store process finishes its initdb, sees that nobody waits for it and closes the data directory.
  await processGone(storePid)
  assert.equal(hasLockFile(example), false, 'the store process released the data directory')
})
