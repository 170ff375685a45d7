// A task (`once: true`) with a restart policy: a run that fails during the boot is run again after
// the policy's backoff, with the same init, while the boot waits; once the policy gives up, the
// task fails the boot. Mock timers drive the backoff; nothing sleeps.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type RestartEvent, type RestartOptions, type ServiceContext } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'
import { turns, until } from '../helpers/loop-turns.ts'

interface Attempt { attempt: number, ctx: ServiceContext, end: () => void, fail: (err: Error) => void }

/** A runner booting `store`, the task `migrate` (each attempt ended by the test) and `api` after it. */
function booting (t: TestContext, restart: RestartOptions, timeouts: { ready?: number } = {}) {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 })
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, logger: logs.logger })
  const events: RestartEvent[] = []
  const steps: string[] = []
  const attempts: Attempt[] = []
  runner.addHook('onRestart', (event) => { events.push(event) })
  runner.register(defineService({ name: 'store', async init () { steps.push('init store') } }))
  runner.register(defineService({
    name: 'migrate',
    once: true,
    dependsOn: ['store'],
    timeouts,
    restart: { ...restart, backoff: { jitter: 0, ...restart.backoff } },
    async init () { steps.push('init migrate') },
    run (ctx) {
      steps.push(`run migrate ${ctx.attempt}`)
      return new Promise<void>((resolve, reject) => {
        attempts.push({ attempt: ctx.attempt, ctx, end: resolve, fail: reject })
        // Gives up politely when told to (a timeout, or the runner's stop).
        ctx.signal.addEventListener('abort', () => resolve())
      })
    },
    async stop () { steps.push('stop migrate') },
  }))
  runner.register(defineService({ name: 'api', dependsOn: ['migrate'], async init () { steps.push('init api') } }))
  const starting = runner.start()
  // Observed by the tests that expect a rejection; never left unhandled meanwhile.
  starting.catch(() => {})
  t.after(() => runner.stop())
  const state = (name = 'migrate') => runner.states().find((s) => s.name === name)?.state
  return { runner, starting, events, steps, attempts, logs, state }
}

test('a task whose run fails twice runs again after each backoff, with the same init, and its dependents load only once it completed', async (t) => {
  const { runner, starting, events, steps, attempts, logs, state } = booting(t, { policy: 'on-failure', backoff: { initial: 100 } })
  await until(() => attempts.length === 1, 'the first attempt')
  attempts[0].fail(new Error('lock held'))
  await until(() => events.length === 1, 'a retry scheduled')
  assert.deepEqual(events[0], { service: 'migrate', decision: 'restart', reason: 'run-failed', attempt: 1, delay: 100, at: 1_000_000 })
  const [line] = logs.messages('service restart scheduled')
  assert.deepEqual([line.service, line.delay, line.attempt, line.reason], ['migrate', 100, 1, 'run-failed'])
  assert.equal(state(), 'starting', 'the task is still starting while it waits')
  assert.equal(state('api'), 'registered')
  assert.equal(runner.states()[1].restart?.nextAttemptAt, 1_000_100)
  t.mock.timers.tick(100)
  await until(() => attempts.length === 2, 'the second attempt')
  attempts[1].fail(new Error('lock held'))
  await until(() => events.length === 2, 'a second retry scheduled')
  assert.equal(events[1].delay, 200)
  t.mock.timers.tick(200)
  await until(() => attempts.length === 3, 'the third attempt')
  assert.equal(state('api'), 'registered', 'nothing after the task loads while it retries')
  attempts[2].end()
  await starting
  assert.deepEqual(steps, ['init store', 'init migrate', 'run migrate 0', 'run migrate 1', 'run migrate 2', 'init api'])
  assert.deepEqual(attempts.map((a) => a.attempt), [0, 1, 2])
  assert.deepEqual(runner.states().map((s) => `${s.name}:${s.state}`), ['store:running', 'migrate:completed', 'api:running'])
  assert.deepEqual(runner.states()[1].timeline.map((step) => step.to), ['initiating', 'initiated', 'starting', 'completed'])
})

test('always retries a task like on-failure: a run that resolved completed it', async (t) => {
  const { starting, events, attempts, state } = booting(t, { policy: 'always', backoff: { initial: 10 } })
  await until(() => attempts.length === 1, 'the first attempt')
  attempts[0].fail(new Error('lock held'))
  await until(() => events.length === 1, 'a retry scheduled')
  t.mock.timers.tick(10)
  await until(() => attempts.length === 2, 'the second attempt')
  attempts[1].end()
  await starting
  assert.equal(state(), 'completed')
  t.mock.timers.tick(60_000)
  await turns(20)
  assert.equal(attempts.length, 2)
})

test('a retry waits the backoff delay: not one millisecond before', async (t) => {
  const { events, attempts } = booting(t, { policy: 'on-failure', backoff: { initial: 500 } })
  await until(() => attempts.length === 1, 'the first attempt')
  attempts[0].fail(new Error('lock held'))
  await until(() => events.length === 1, 'a retry scheduled')
  t.mock.timers.tick(499)
  await turns(20)
  assert.equal(attempts.length, 1, 'no attempt before the delay')
  t.mock.timers.tick(1)
  await until(() => attempts.length === 2, 'the second attempt at the delay')
})

test('an attempt that outlasts timeouts.ready hears it through ctx.signal and is retried once it ended, on a new signal', async (t) => {
  const { events, attempts, starting, state } = booting(t, { policy: 'on-failure', backoff: { initial: 10 } }, { ready: 1_000 })
  await until(() => attempts.length === 1, 'the first attempt')
  // The signal the first attempt listens on (ctx.signal of the task is the current attempt's).
  const { signal } = attempts[0].ctx
  t.mock.timers.tick(1_000)
  await until(() => events.length === 1, 'a retry scheduled')
  assert.equal((signal.reason as { code?: string }).code, 'FSR_ERR_TIMEOUT')
  t.mock.timers.tick(10)
  await until(() => attempts.length === 2, 'the second attempt')
  assert.equal(attempts[1].ctx.signal.aborted, false)
  assert.notEqual(attempts[1].ctx.signal, signal)
  attempts[1].end()
  await starting
  assert.equal(state(), 'completed')
})

test('once the policy gives up the task fails the boot, whatever escalate says: nothing after it inits, what started stops', async (t) => {
  const { runner, starting, events, steps, attempts, logs } = booting(t, { policy: 'on-failure', escalate: 'degrade', intensity: { maxRestarts: 1 } })
  await until(() => attempts.length === 1, 'the first attempt')
  attempts[0].fail(new Error('lock held'))
  await until(() => events.length === 1, 'a retry scheduled')
  t.mock.timers.tick(events[0].delay!)
  await until(() => attempts.length === 2, 'the second attempt')
  attempts[1].fail(new Error('column exists'))
  await assert.rejects(starting, (err: Error & { code?: string, service?: string, phase?: string, cause?: Error }) => {
    assert.equal(err.code, 'FSR_ERR_SERVICE_START')
    assert.equal(err.service, 'migrate')
    assert.equal(err.phase, 'run')
    assert.equal(err.cause?.message, 'column exists')
    return true
  })
  assert.deepEqual(events.map((e) => e.decision), ['restart', 'give-up'])
  assert.equal(logs.messages('service restarts given up').length, 1)
  assert.equal(runner.states()[1].restart?.isGivenUp, true)
  assert.deepEqual(steps, ['init store', 'init migrate', 'run migrate 0', 'run migrate 1', 'stop migrate'])
  assert.equal(runner.states()[2].state, 'registered')
  assert.ok(runner.states()[1].timeline.some((step) => step.to === 'failed'))
})

test('a stop during the backoff wait ends it at once: the task is not completed, its stop runs, nothing after it loads', async (t) => {
  const { runner, starting, events, steps, attempts } = booting(t, { policy: 'on-failure', backoff: { initial: 600_000, max: 600_000 } })
  await until(() => attempts.length === 1, 'the first attempt')
  attempts[0].fail(new Error('lock held'))
  await until(() => events.length === 1, 'a retry scheduled')
  await runner.stop()
  await assert.rejects(starting, { code: 'FSR_ERR_START_INTERRUPTED' })
  assert.equal(runner.status, 'stopped')
  assert.deepEqual(runner.states()[1].timeline.map((step) => step.to), ['initiating', 'initiated', 'starting', 'shutting-down', 'stopped'])
  assert.equal(runner.states()[1].restart?.nextAttemptAt, undefined)
  assert.equal(runner.states()[2].state, 'registered')
  t.mock.timers.tick(600_000)
  await turns(20)
  assert.equal(attempts.length, 1)
  assert.deepEqual(steps, ['init store', 'init migrate', 'run migrate 0', 'stop migrate'])
})

test('a task takes on-failure and always; whenUnhealthyFor is refused on it (a task is never running)', () => {
  assert.doesNotThrow(() => defineService({ name: 'migrate', once: true, async run () {}, restart: { policy: 'on-failure' } }))
  assert.doesNotThrow(() => defineService({ name: 'migrate', once: true, async run () {}, restart: { policy: 'always', backoff: { initial: 1_000 } } }))
  assert.throws(() => defineService({ name: 'migrate', once: true, async run () {}, restart: { policy: 'on-failure', whenUnhealthyFor: 1_000 } }), {
    code: 'FSR_ERR_INVALID_SERVICE',
    message: /restart\.whenUnhealthyFor: got 1000; expected none on a task/,
  })
})

test('an attempt that ignores its aborted signal past timeouts.stop fails the boot: no second attempt overlaps it', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 })
  const runner = createRunner({ server: false, signals: false, logger: captureLogs('silent').logger })
  const events: RestartEvent[] = []
  let runs = 0
  runner.addHook('onRestart', (event) => { events.push(event) })
  runner.register(defineService({
    name: 'migrate',
    once: true,
    timeouts: { ready: 1_000, stop: 500 },
    restart: { policy: 'on-failure', backoff: { initial: 10, jitter: 0 } },
    // Never ends, whatever its signal says.
    run: () => { runs++; return new Promise<void>(() => {}) },
  }))
  const starting = runner.start()
  starting.catch(() => {})
  // Its run never settled: the stop is not clean, and says so.
  t.after(() => runner.stop().catch(() => {}))
  await until(() => runs === 1, 'the first attempt')
  t.mock.timers.tick(1_000)
  await until(() => events.length === 1, 'a retry scheduled')
  // The backoff passes, but the first attempt has not ended: no second one yet.
  t.mock.timers.tick(10)
  await turns(20)
  assert.equal(runs, 1)
  t.mock.timers.tick(490)
  await turns(20)
  // The boot's failure stops the task, whose stop waits timeouts.stop for the run again.
  t.mock.timers.tick(500)
  await assert.rejects(starting, (err: Error & { code?: string, phase?: string, cause?: Error & { code?: string } }) => {
    assert.equal(err.code, 'FSR_ERR_SERVICE_START')
    assert.equal(err.phase, 'run')
    assert.equal(err.cause?.code, 'FSR_ERR_TIMEOUT')
    return true
  })
  t.mock.timers.tick(60_000)
  await turns(20)
  assert.equal(runs, 1)
})
