import assert from 'node:assert/strict'
import net from 'node:net'
import { describe, test, type TestContext } from 'node:test'
import { startFixture, type Fixture } from '../helpers/fixture-process.ts'

// Only what a process shows from outside: exit code, log lines, sockets. See
// test/fixtures/boot-phases-server.ts for the phases FIXTURE_HOLD holds open.

type Line = Record<string, unknown>

function isRefused (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('connect', () => { socket.destroy(); resolve(false) })
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'))
  })
}

/** Ports of the "Server listening at" lines other than the admin server's: the main server's. */
function mainListens (lines: readonly Line[], adminPort: number): number[] {
  return lines
    .filter((line) => typeof line.msg === 'string' && line.msg.startsWith('Server listening at '))
    .map((line) => Number(new URL((line.msg as string).slice('Server listening at '.length)).port))
    .filter((port) => port !== adminPort)
}

/** The services whose `init` (or `stop`) ran, in the order they did, from the fixture's own lines. */
function ran (lines: readonly Line[], step: 'init' | 'stop'): string[] {
  return lines.filter((line) => line.msg === `${line.service as string} ${step}`).map((line) => line.service as string)
}

interface Held {
  fixture: Fixture
  adminPort: number
  /** The status of the admin server's /health/ready while the phase was held. */
  adminStatus: number
}

/** Starts the fixture, waits for the held point (`runner started` when nothing is held), checks the admin server answers. */
async function holdAt (t: TestContext, hold: string, env: Record<string, string> = {}): Promise<Held> {
  // Routine transitions are logged at debug; the tests read them for the order of stops.
  const fixture = startFixture(t, 'boot-phases-server.ts', { FSR_LOG_LEVEL: 'debug', FIXTURE_HOLD: hold, ...env })
  const admin = await fixture.waitForLine((line) => line.msg === 'admin server listening') as { port: number }
  if (hold === 'run' || hold === 'stop') await fixture.waitForLine((line) => line.msg === 'runner started')
  else await fixture.waitForLine((line) => line.msg === 'fixture held' && line.point === hold)
  const reply = await fetch(`http://127.0.0.1:${admin.port}/health/ready`)
  await reply.arrayBuffer()
  return { fixture, adminPort: admin.port, adminStatus: reply.status }
}

/** Sends SIGTERM and waits for the exit; asserts what holds in every phase: admin closed, main port closed. */
async function terminate ({ fixture, adminPort }: Held): Promise<{ code: number | null, messages: unknown[] }> {
  fixture.child.kill('SIGTERM')
  const { code, signal } = await fixture.exited
  assert.equal(signal, null, fixture.describe())
  assert.equal(await isRefused(adminPort), true, 'the admin server is closed after the exit')
  for (const port of mainListens(fixture.lines, adminPort)) {
    assert.equal(await isRefused(port), true, 'nothing listens on the main port after the exit')
  }
  return { code, messages: fixture.lines.map((line) => line.msg) }
}

/** The last line the process wrote. */
function lastRunnerLine (lines: readonly Line[]): unknown {
  return lines.at(-1)?.msg
}

/**
 * The held phase failed (cut by its timeout) after the signal came; `start()` never settled: the
 * signal's stop ended the process first (a rejection would crash a top-level `await runner.start()`).
 */
function assertCutAfterSignal (lines: readonly Line[]): void {
  const signalled = lines.findIndex((l) => l.msg === 'shutdown signal received')
  const failed = lines.findIndex((l) => l.msg === 'service state changed' && l.state === 'failed')
  assert.ok(signalled !== -1 && signalled < failed, 'the signal came while the phase was held')
  assert.ok(!lines.some((l) => l.msg === 'fixture start settled'), 'start() did not settle')
}

/** The main server never listened, and the boot never finished. */
function assertNeverListened (fixture: Fixture, adminPort: number): void {
  assert.deepEqual(mainListens(fixture.lines, adminPort), [], `the main server never listened\n${fixture.describe()}`)
  assert.ok(!fixture.lines.some((line) => line.msg === 'runner started'), fixture.describe())
}

// Two cores shared with other work: a few processes at once, never a timing bound.
describe('SIGTERM during each boot phase', { concurrency: 4 }, () => {
  test('during the prestart stage: exit 0, no service initialised or stopped, the main server never listened', { timeout: 20_000 }, async (t) => {
    const held = await holdAt(t, 'prestart')
    assert.equal(held.adminStatus, 503, 'the admin server answers during boot, not ready')
    const { code, messages } = await terminate(held)
    assert.equal(code, 0, held.fixture.describe())
    assert.ok(messages.includes('prestart aborted'), held.fixture.describe())
    assert.deepEqual(ran(held.fixture.lines, 'init'), [])
    assert.deepEqual(ran(held.fixture.lines, 'stop'), [])
    assertNeverListened(held.fixture, held.adminPort)
    assert.equal(lastRunnerLine(held.fixture.lines), 'runner stopped', held.fixture.describe())
  })

  // The first service's init waits on ctx.signal, with no init limit: the stop has to end it.
  test('during the first service\'s init (it honours ctx.signal): exit 0, no later service initialised, nothing listened', {
    timeout: 20_000,
  }, async (t) => {
    const held = await holdAt(t, 'init', { FSR_TIMEOUT_INIT: '0', FSR_SHUTDOWN_TIMEOUT: '5000' })
    assert.equal(held.adminStatus, 503)
    const { code, messages } = await terminate(held)
    assert.ok(held.fixture.lines.some((line) => line.msg === 'fixture released' && line.point === 'init'), `the init's ctx.signal was aborted\n${held.fixture.describe()}`)
    assert.equal(code, 0, held.fixture.describe())
    assert.deepEqual(ran(held.fixture.lines, 'init'), ['store'], 'no service after the one in init was initialised')
    assert.ok(!messages.includes('cache stop') && !messages.includes('worker stop'))
    assertNeverListened(held.fixture, held.adminPort)
    assert.equal(lastRunnerLine(held.fixture.lines), 'runner stopped', held.fixture.describe())
  })

  // The first service's init ends by itself right after the signal: the boot must not go on.
  test('during the first service\'s init (it ends by itself during the stop): the later services never init, its stop runs, the main server never listens', {
    timeout: 20_000,
  }, async (t) => {
    const held = await holdAt(t, 'init-ends-on-signal')
    assert.equal(held.adminStatus, 503)
    const { code } = await terminate(held)
    assert.equal(code, 0, held.fixture.describe())
    assert.deepEqual(ran(held.fixture.lines, 'init'), ['store'], `no service loads after the signal\n${held.fixture.describe()}`)
    assert.deepEqual(ran(held.fixture.lines, 'stop'), ['store'])
    assertNeverListened(held.fixture, held.adminPort)
    assert.equal(lastRunnerLine(held.fixture.lines), 'runner stopped', held.fixture.describe())
  })

  test('between two services (store running, cache in init, honouring ctx.signal): exit 0, store stops, worker never inits, nothing listened', {
    timeout: 20_000,
  }, async (t) => {
    const held = await holdAt(t, 'between', { FSR_TIMEOUT_INIT: '0', FSR_SHUTDOWN_TIMEOUT: '5000' })
    assert.equal(held.adminStatus, 503)
    const { code, messages } = await terminate(held)
    assert.equal(code, 0, held.fixture.describe())
    assert.ok(held.fixture.lines.some((line) => line.msg === 'fixture released' && line.point === 'between'), held.fixture.describe())
    assert.deepEqual(ran(held.fixture.lines, 'init'), ['store', 'cache'])
    assert.ok(ran(held.fixture.lines, 'stop').includes('store'), held.fixture.describe())
    assert.ok(!messages.includes('worker stop'))
    assertNeverListened(held.fixture, held.adminPort)
    assert.equal(lastRunnerLine(held.fixture.lines), 'runner stopped', held.fixture.describe())
  })

  // An init that ignores its signal is ended by its limit; the boot stops there. The limit leaves the
  // test ample time to send its signal first (checked: the signal comes before the failure).
  test('between two services, cache\'s init ignores its signal and is cut by its timeout: exit 0, store stops, cache and worker do not, nothing listened', { timeout: 20_000 }, async (t) => {
    const held = await holdAt(t, 'between-ignoring', { FSR_TIMEOUT_INIT: '3000' })
    assert.equal(held.adminStatus, 503)
    const { code } = await terminate(held)
    assert.equal(code, 0, held.fixture.describe())
    assert.deepEqual(ran(held.fixture.lines, 'init'), ['store', 'cache'])
    assert.deepEqual(ran(held.fixture.lines, 'stop'), ['store'], held.fixture.describe())
    assertNeverListened(held.fixture, held.adminPort)
    assertCutAfterSignal(held.fixture.lines)
    assert.equal(lastRunnerLine(held.fixture.lines), 'runner stopped', held.fixture.describe())
  })

  test('during cache\'s ready (it honours ctx.signal): exit 0, cache then store stop, worker never inits, nothing listened', {
    timeout: 20_000,
  }, async (t) => {
    const held = await holdAt(t, 'ready', { FSR_TIMEOUT_READY: '0', FSR_SHUTDOWN_TIMEOUT: '5000' })
    assert.equal(held.adminStatus, 503)
    const { code, messages } = await terminate(held)
    assert.equal(code, 0, held.fixture.describe())
    assert.ok(held.fixture.lines.some((line) => line.msg === 'fixture released' && line.point === 'ready'), held.fixture.describe())
    assert.deepEqual(ran(held.fixture.lines, 'stop'), ['cache', 'store'])
    assert.ok(!messages.includes('worker init'))
    assertNeverListened(held.fixture, held.adminPort)
    assert.equal(lastRunnerLine(held.fixture.lines), 'runner stopped', held.fixture.describe())
  })

  test('during cache\'s ready, which ignores its signal and is cut by its timeout: exit 0, cache then store stop (both inits completed), worker never inits', { timeout: 20_000 }, async (t) => {
    const held = await holdAt(t, 'ready-ignoring', { FSR_TIMEOUT_READY: '3000' })
    assert.equal(held.adminStatus, 503)
    const { code } = await terminate(held)
    assert.equal(code, 0, held.fixture.describe())
    assert.deepEqual(ran(held.fixture.lines, 'init'), ['store', 'cache'])
    assert.deepEqual(ran(held.fixture.lines, 'stop'), ['cache', 'store'])
    assertNeverListened(held.fixture, held.adminPort)
    assertCutAfterSignal(held.fixture.lines)
    assert.equal(lastRunnerLine(held.fixture.lines), 'runner stopped', held.fixture.describe())
  })

  test('running, with a run that ignores ctx.signal: exit 2 after its stop limit, every service stops in reverse', { timeout: 20_000 }, async (t) => {
    const held = await holdAt(t, 'run')
    assert.equal(held.adminStatus, 200, 'the admin server says ready once booted')
    const [port] = mainListens(held.fixture.lines, held.adminPort)
    assert.ok(port !== undefined && !await isRefused(port), 'the main server listens once every service runs')
    // The main server listened only after the last service was running.
    const lines = held.fixture.lines
    const listened = lines.findIndex((line) => mainListens([line], held.adminPort).length > 0)
    const lastRunning = lines.findLastIndex((line) => line.msg === 'service state changed' && line.state === 'running')
    assert.ok(lastRunning !== -1 && lastRunning < listened, held.fixture.describe())

    const { code } = await terminate(held)
    assert.equal(code, 2, held.fixture.describe())
    const failed = held.fixture.lines.find((line) => line.msg === 'service state changed' && line.service === 'worker' && line.state === 'failed') as { err: { message: string } } | undefined
    assert.match(failed?.err.message ?? '', /did not finish "run" within 300 ms/, held.fixture.describe())
    assert.deepEqual(ran(held.fixture.lines, 'stop'), ['worker', 'cache', 'store'])
    // An unclean stop is reported by the exit code; the line "runner stopped" is for clean stops.
    assert.ok(!held.fixture.lines.some((line) => line.msg === 'runner stopped'), held.fixture.describe())
    assert.equal(held.fixture.lines.at(-1)?.msg, 'admin server closed', held.fixture.describe())
  })

  test('a second SIGTERM during a stop that never settles exits at once with 143', { timeout: 20_000 }, async (t) => {
    const held = await holdAt(t, 'stop')
    const [port] = mainListens(held.fixture.lines, held.adminPort)
    held.fixture.child.kill('SIGTERM')
    await held.fixture.waitForLine((line) => line.msg === 'fixture held' && line.point === 'stop')
    held.fixture.child.kill('SIGTERM')
    const { code, signal } = await held.fixture.exited
    assert.deepEqual({ code, signal }, { code: 143, signal: null }, held.fixture.describe())
    assert.ok(held.fixture.lines.some((line) => line.msg === 'second signal, exiting at once' && line.signal === 'SIGTERM'))
    assert.deepEqual(ran(held.fixture.lines, 'stop'), ['worker', 'cache', 'store'])
    assert.equal(await isRefused(held.adminPort), true)
    assert.ok(port !== undefined && await isRefused(port), 'nothing listens on the main port after the exit')
  })
})
