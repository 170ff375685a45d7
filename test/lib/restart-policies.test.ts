import assert from 'node:assert/strict'
import diagnostics from 'node:diagnostics_channel'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type RestartEvent, type RestartOptions, type ServiceContext } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'
import { turns, until } from '../helpers/loop-turns.ts'

interface Life { attempt: number, ctx: ServiceContext, end: () => void, fail: (err: Error) => void }

/** A runner with one supervised `worker` whose every life's run the test ends by hand. */
async function supervised (t: TestContext, restart: RestartOptions) {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 })
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, logger: logs.logger })
  const lives: Life[] = []
  const events: RestartEvent[] = []
  runner.addHook('onRestart', (event) => { events.push(event) })
  runner.register(defineService({ name: 'db' }))
  runner.register(defineService({
    name: 'worker',
    dependsOn: ['db'],
    restart: { ...restart, backoff: { jitter: 0, ...restart.backoff } },
    async init (ctx) {
      // The first life decorates; a restart's init finds the decoration in place (the app has booted).
      if (ctx.attempt === 0) ctx.app.decorate('workerAttempt', { getter: () => lives.at(-1)?.attempt })
    },
    run (ctx) {
      return new Promise<void>((resolve, reject) => {
        lives.push({ attempt: ctx.attempt, ctx, end: resolve, fail: reject })
        ctx.signal.addEventListener('abort', () => resolve())
      })
    },
  }))
  runner.register(defineService({ name: 'api', dependsOn: ['worker'] }))
  await runner.start()
  t.after(() => runner.stop())
  const state = (name = 'worker') => runner.states().find((s) => s.name === name)?.state
  return { runner, lives, events, logs, state }
}

test('on-failure restarts a service whose run rejected, after the backoff, through the phases of a first start', async (t) => {
  const { runner, lives, events, logs, state } = await supervised(t, { policy: 'on-failure', backoff: { initial: 100 } })
  lives[0].fail(new Error('lost the queue'))
  await until(() => events.length === 1, 'a restart scheduled')
  assert.deepEqual(events[0], { service: 'worker', decision: 'restart', reason: 'run-failed', attempt: 1, delay: 100, at: 1_000_000 })
  const [line] = logs.messages('service restart scheduled')
  assert.deepEqual([line.service, line.delay, line.attempt, line.reason], ['worker', 100, 1, 'run-failed'])
  assert.equal(state(), 'failed')
  t.mock.timers.tick(99)
  await turns(20)
  assert.equal(lives.length, 1, 'no restart before the delay')
  t.mock.timers.tick(1)
  await until(() => state() === 'running' && lives.length === 2, 'the second life running')
  assert.equal(lives[1].attempt, 1)
  assert.equal((runner.app as unknown as { workerAttempt: number }).workerAttempt, 1, 'the first life\'s decoration stands for the new one')
  const moves = runner.states().find((s) => s.name === 'worker')!.timeline.map((step) => step.to)
  assert.deepEqual(moves, ['initiating', 'initiated', 'starting', 'running', 'failed', 'shutting-down', 'stopped', 'initiating', 'initiated', 'starting', 'running'])
  // Its dependents and dependencies are not restarted.
  assert.deepEqual(runner.states().filter((s) => s.name !== 'worker').map((s) => s.timeline.length), [4, 4])
})

test('a run that fails as soon as each life runs is restarted every time, not only the first', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 })
  const runner = createRunner({ server: false, signals: false, log: { level: 'silent' } })
  const events: RestartEvent[] = []
  runner.addHook('onRestart', (event) => { events.push(event) })
  let lives = 0
  runner.register(defineService({
    name: 'flaky',
    // Rejected before the life is even running: its failure comes right after `running`, while
    // the restart that began the life is still settling.
    async run () {
      lives++
      throw new Error('connection refused')
    },
    restart: { policy: 'on-failure', backoff: { initial: 100, factor: 1, jitter: 0 }, intensity: { maxRestarts: 10 } },
  }))
  await runner.start()
  t.after(() => runner.stop())
  for (let restart = 1; restart <= 4; restart++) {
    await until(() => events.length === restart, `restart ${restart} scheduled`)
    t.mock.timers.tick(100)
    await until(() => lives === restart + 1, `life ${restart + 1} ran`)
  }
  assert.deepEqual(events.slice(0, 4).map((event) => [event.decision, event.reason, event.attempt]), [1, 2, 3, 4].map((attempt) => ['restart', 'run-failed', attempt]))
})

test('on-failure does not restart a run that resolved; always does', async (t) => {
  await t.test('on-failure', async (t) => {
    const { lives, logs, state, events } = await supervised(t, { policy: 'on-failure' })
    lives[0].end()
    await until(() => logs.messages('service run ended').length === 1, 'the run ended')
    t.mock.timers.tick(60_000)
    await turns(20)
    assert.deepEqual(events, [])
    assert.equal(state(), 'running')
  })
  await t.test('always', async (t) => {
    const { lives, events, state } = await supervised(t, { policy: 'always', backoff: { initial: 50 } })
    lives[0].end()
    await until(() => events.length === 1, 'a restart scheduled')
    assert.equal(events[0].reason, 'run-ended')
    t.mock.timers.tick(50)
    await until(() => lives.length === 2 && state() === 'running', 'restarted')
  })
})

test('never (the default) leaves a failed service failed', async (t) => {
  const { lives, events, state } = await supervised(t, {})
  lives[0].fail(new Error('boom'))
  await until(() => state() === 'failed', 'failed')
  t.mock.timers.tick(60_000)
  await turns(20)
  assert.deepEqual(events, [])
  assert.equal(lives.length, 1)
})

test('the backoff grows by factor each restart in a row, and the published events say so', async (t) => {
  const published: unknown[] = []
  const listener = (message: unknown) => { if ((message as { decision?: string }).decision !== undefined) published.push(message) }
  diagnostics.subscribe('fastify-service-runner:lifecycle', listener)
  t.after(() => diagnostics.unsubscribe('fastify-service-runner:lifecycle', listener))
  const { lives, events, state } = await supervised(t, { policy: 'on-failure', backoff: { initial: 100, factor: 3, max: 1_000 }, intensity: { maxRestarts: 10 } })
  for (const delay of [100, 300, 900, 1_000]) {
    lives.at(-1)!.fail(new Error('again'))
    await until(() => events.length === lives.length, 'scheduled')
    assert.equal(events.at(-1)!.delay, delay)
    t.mock.timers.tick(delay)
    await until(() => state() === 'running' && lives.length === events.length + 1, 'restarted')
  }
  assert.deepEqual(events.map((e) => e.attempt), [1, 2, 3, 4])
  assert.deepEqual(published, events)
})

test('more restarts than intensity allows gives up: escalate fail leaves it failed, the process unhealthy', async (t) => {
  const { runner, lives, events, logs, state } = await supervised(t, { policy: 'on-failure', intensity: { maxRestarts: 2, within: 10_000 } })
  for (let i = 0; i < 2; i++) {
    lives.at(-1)!.fail(new Error('again'))
    await until(() => events.length === i + 1, 'scheduled')
    t.mock.timers.tick(events.at(-1)!.delay!)
    await until(() => state() === 'running' && lives.length === i + 2, 'restarted')
  }
  lives.at(-1)!.fail(new Error('once more'))
  await until(() => events.length === 3, 'given up')
  assert.deepEqual({ ...events[2], at: 0 }, { service: 'worker', decision: 'give-up', reason: 'run-failed', attempt: 2, delay: undefined, at: 0 })
  assert.equal(logs.messages('service restarts given up').length, 1)
  t.mock.timers.tick(60_000)
  await turns(20)
  assert.equal(lives.length, 3)
  assert.equal(state(), 'failed')
  assert.equal(runner.health().status, 'unhealthy')
})

test('escalate degrade: given up on, the service says degraded, and so does the process', async (t) => {
  const { runner, lives, events, state } = await supervised(t, { policy: 'always', escalate: 'degrade', intensity: { maxRestarts: 0 } })
  lives[0].end()
  await until(() => events.length === 1, 'given up')
  assert.equal(events[0].decision, 'give-up')
  // A life that ended without failing is failed once nobody will restart it.
  assert.equal(state(), 'failed')
  assert.equal(runner.health().services.worker.status, 'degraded')
  assert.match(String(runner.health().services.worker.reason), /FSR_ERR_RESTARTS_EXHAUSTED|restarted 0 times within 60000 ms/)
  assert.equal(runner.health().status, 'degraded')
})

test('a shutdown during a backoff wait cancels it at once', async (t) => {
  const { runner, lives, events, state } = await supervised(t, { policy: 'on-failure', backoff: { initial: 10_000 } })
  lives[0].fail(new Error('down'))
  await until(() => events.length === 1, 'scheduled')
  await runner.stop()
  assert.equal(runner.status, 'stopped')
  t.mock.timers.tick(10_000)
  await turns(20)
  assert.equal(lives.length, 1)
  assert.equal(state(), 'stopped')
})

test('whenUnhealthyFor restarts a service unhealthy that long, counted like any restart', async (t) => {
  const { lives, events, state } = await supervised(t, { whenUnhealthyFor: 5_000, backoff: { initial: 10 } })
  report(lives, 'unhealthy')
  t.mock.timers.tick(4_999)
  await turns(20)
  assert.equal(events.length, 0)
  t.mock.timers.tick(1)
  await until(() => events.length === 1, 'scheduled')
  assert.equal(events[0].reason, 'unhealthy')
  t.mock.timers.tick(10)
  await until(() => lives.length === 2 && state() === 'running', 'restarted')
  // A recovery before the time is up cancels it.
  report(lives, 'unhealthy')
  t.mock.timers.tick(4_000)
  report(lives, 'healthy')
  t.mock.timers.tick(10_000)
  await turns(20)
  assert.equal(events.length, 1)
})

/** The worker says how it is, through its ctx.health. */
function report (lives: Life[], status: 'healthy' | 'unhealthy'): void {
  lives.at(-1)!.ctx.health.report(status)
}

test('the backoff timer of a cancelled restart is gone once the stop resolves (real timers)', async () => {
  const runner = createRunner({ server: false, signals: false, logger: captureLogs().logger })
  let fail: (err: Error) => void = () => {}
  const scheduled = new Promise<void>((resolve) => runner.addHook('onRestart', () => resolve()))
  runner.register(defineService({
    name: 'worker',
    restart: { policy: 'on-failure', backoff: { initial: 600_000, max: 600_000 } },
    run: (ctx) => new Promise<void>((resolve, reject) => { fail = reject; ctx.signal.addEventListener('abort', () => resolve()) }),
  }))
  await runner.start()
  const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
  const before = timers()
  fail(new Error('down'))
  await scheduled
  assert.equal(timers(), before + 1)
  await runner.stop()
  assert.ok(timers() <= before, `${timers()} timers left, ${before} before`)
})

test('a restart whose init fails is itself a failure: the next one waits the next backoff', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 })
  const runner = createRunner({ server: false, signals: false, logger: captureLogs('silent').logger })
  const events: RestartEvent[] = []
  const inits: number[] = []
  let fail: (err: Error) => void = () => {}
  runner.addHook('onRestart', (event) => { events.push(event) })
  runner.register(defineService({
    name: 'worker',
    restart: { policy: 'on-failure', backoff: { initial: 100, jitter: 0 } },
    async init (ctx) {
      inits.push(ctx.attempt)
      if (ctx.attempt === 1) throw new Error('database still down')
    },
    run: (ctx) => new Promise<void>((resolve, reject) => { fail = reject; ctx.signal.addEventListener('abort', () => resolve()) }),
  }))
  await runner.start()
  t.after(() => runner.stop())
  fail(new Error('down'))
  await until(() => events.length === 1, 'scheduled')
  t.mock.timers.tick(100)
  await until(() => events.length === 2, 'the failed restart scheduled another')
  assert.deepEqual(events.map((e) => [e.reason, e.attempt, e.delay]), [['run-failed', 1, 100], ['failed', 2, 200]])
  t.mock.timers.tick(200)
  await until(() => runner.states()[0].state === 'running' && inits.length === 3, 'running again')
  assert.deepEqual(inits, [0, 1, 2])
})

test('whenUnhealthyFor also follows a failing check', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 })
  const runner = createRunner({ server: false, signals: false, logger: captureLogs('silent').logger })
  const events: RestartEvent[] = []
  const inits: number[] = []
  runner.addHook('onRestart', (event) => { events.push(event) })
  runner.register(defineService({
    name: 'pool',
    restart: { whenUnhealthyFor: 3_000, backoff: { initial: 10, jitter: 0 } },
    health: { interval: 1_000, timeout: 500 },
    async init (ctx) { inits.push(ctx.attempt) },
    check: (ctx) => ctx.attempt === 0 ? 'unhealthy' : 'healthy',
  }))
  await runner.start()
  t.after(() => runner.stop())
  for (let i = 0; i < 5 && events.length === 0; i++) {
    t.mock.timers.tick(1_000)
    await turns(20)
  }
  await until(() => events.length === 1, 'scheduled')
  assert.equal(events[0].reason, 'unhealthy')
  t.mock.timers.tick(10)
  await until(() => inits.length === 2 && runner.states()[0].state === 'running', 'restarted')
})
