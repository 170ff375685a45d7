// A task (`once: true`): its run resolving completes it, the boot waits for it before loading the
// next service, a failing run fails the boot, and at shutdown it stops like any service.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type Runner } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

function quietRunner (t: TestContext, withAdmin = false): Runner {
  const runner = createRunner({
    server: false,
    signals: false,
    admin: withAdmin ? { port: 0 } : false,
    metrics: withAdmin ? { process: false } : false,
    logger: captureLogs('warn').logger,
  })
  t.after(() => runner.stop())
  return runner
}

/** A promise with its resolve and reject at hand. */
function deferred<T = void> () {
  let resolve!: (value: T) => void
  let reject!: (err: unknown) => void
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

test('a task completes when its run resolves, and the service that depends on it inits only after that', async (t) => {
  const runner = quietRunner(t)
  const events: string[] = []
  const migration = deferred()
  runner.register(defineService({ name: 'store', async init () { events.push('init store') } }))
  runner.register(defineService({
    name: 'migrate',
    once: true,
    dependsOn: ['store'],
    async init () { events.push('init migrate') },
    async run () {
      events.push('run migrate')
      await migration.promise
      events.push('migrated')
    },
  }))
  runner.register(defineService({ name: 'api', dependsOn: ['migrate'], async init () { events.push('init api') } }))
  const starting = runner.start()
  await runner.watch.until({ all: ['migrate'], state: 'starting' })
  // The migration still works: the boot waits for it.
  assert.deepEqual(events, ['init store', 'init migrate', 'run migrate'])
  assert.equal(runner.states()[2].state, 'registered')
  migration.resolve()
  await starting
  assert.deepEqual(events, ['init store', 'init migrate', 'run migrate', 'migrated', 'init api'])
  assert.deepEqual(runner.states().map((s) => `${s.name}:${s.state}`), ['store:running', 'migrate:completed', 'api:running'])
  assert.deepEqual(runner.states()[1].timeline.map((step) => step.to), ['initiating', 'initiated', 'starting', 'completed'])
})

test('watch.until waits for a task to complete', async (t) => {
  const runner = quietRunner(t)
  const migration = deferred()
  runner.register(defineService({ name: 'migrate', once: true, run: () => migration.promise }))
  const completed = runner.watch.until({ all: ['migrate'], state: 'completed' })
  const starting = runner.start()
  migration.resolve()
  assert.deepEqual(await completed, ['migrate'])
  await starting
})

test('a task whose run rejects fails the boot: start() rejects with phase run, nothing after it inits, what started stops', async (t) => {
  const runner = quietRunner(t)
  const events: string[] = []
  runner.register(defineService({ name: 'store', async init () { events.push('init store') }, async stop () { events.push('stop store') } }))
  runner.register(defineService({
    name: 'migrate',
    once: true,
    async run () { throw new Error('column exists') },
    async stop () { events.push('stop migrate') },
  }))
  runner.register(defineService({ name: 'api', async init () { events.push('init api') } }))
  await assert.rejects(runner.start(), (err: Error & { code?: string, service?: string, phase?: string, cause?: Error }) => {
    assert.equal(err.code, 'FSR_ERR_SERVICE_START')
    assert.equal(err.service, 'migrate')
    assert.equal(err.phase, 'run')
    assert.equal(err.cause?.message, 'column exists')
    return true
  })
  assert.deepEqual(events, ['init store', 'stop migrate', 'stop store'])
  assert.deepEqual(runner.states().map((s) => `${s.name}:${s.state}`), ['store:stopped', 'migrate:stopped', 'api:registered'])
  assert.ok(runner.states()[1].timeline.some((step) => step.to === 'failed'))
})

test('a task whose run outlasts timeouts.ready fails the boot with FSR_ERR_TIMEOUT and hears it through ctx.signal', async (t) => {
  const runner = quietRunner(t)
  let reason: unknown
  runner.register(defineService({
    name: 'migrate',
    once: true,
    timeouts: { ready: 1 },
    run: (ctx) => new Promise<void>((resolve) => {
      ctx.signal.addEventListener('abort', () => { reason = ctx.signal.reason; resolve() })
    }),
  }))
  await assert.rejects(runner.start(), (err: Error & { code?: string, phase?: string, cause?: Error & { code?: string } }) => {
    assert.equal(err.code, 'FSR_ERR_SERVICE_START')
    assert.equal(err.phase, 'run')
    assert.equal(err.cause?.code, 'FSR_ERR_TIMEOUT')
    return true
  })
  assert.equal((reason as { code?: string }).code, 'FSR_ERR_SERVICE_START')
})

test('a completed task is healthy, shows completed in /services and in fsr_service_state', async (t) => {
  const runner = quietRunner(t, true)
  runner.register(defineService({ name: 'migrate', once: true, async run () {} }))
  runner.register(defineService({ name: 'api', dependsOn: ['migrate'] }))
  await runner.start()
  const health = runner.health()
  assert.equal(health.services.migrate.status, 'healthy')
  assert.equal(health.status, 'healthy')
  const ready = await runner.admin!.inject('/health/ready')
  assert.equal(ready.statusCode, 200)
  const services = (await runner.admin!.inject('/services')).json() as { services: Array<{ name: string, state: string, health: string }> }
  assert.deepEqual(services.services.map(({ name, state, health }) => ({ name, state, health })), [
    { name: 'migrate', state: 'completed', health: 'healthy' },
    { name: 'api', state: 'running', health: 'healthy' },
  ])
  const metrics = (await runner.admin!.inject('/metrics')).body
  assert.match(metrics, /^fsr_service_state\{service="migrate",state="completed"\} 1$/m)
})

test('at shutdown a completed task stops in reverse order: its stop releases what its init acquired', async (t) => {
  const runner = quietRunner(t)
  const events: string[] = []
  runner.register(defineService({ name: 'store', async stop () { events.push('stop store') } }))
  runner.register(defineService({ name: 'migrate', once: true, async run () {}, async stop () { events.push('stop migrate') } }))
  runner.register(defineService({ name: 'api', async stop () { events.push('stop api') } }))
  await runner.start()
  await runner.stop()
  assert.deepEqual(events, ['stop api', 'stop migrate', 'stop store'])
  assert.deepEqual(runner.states()[1].timeline.map((step) => step.to), ['initiating', 'initiated', 'starting', 'completed', 'shutting-down', 'stopped'])
})

test('a task still working at shutdown hears ctx.signal, is stopped (not completed, not failed) and nothing after it loads', async (t) => {
  const runner = quietRunner(t)
  const events: string[] = []
  runner.register(defineService({ name: 'store', async stop () { events.push('stop store') } }))
  runner.register(defineService({
    name: 'migrate',
    once: true,
    // Gives up politely: resolves when told to stop.
    run: (ctx) => new Promise<void>((resolve) => { ctx.signal.addEventListener('abort', () => { events.push('run aborted'); resolve() }) }),
    async stop () { events.push('stop migrate') },
  }))
  runner.register(defineService({ name: 'api', async init () { events.push('init api') } }))
  const starting = runner.start()
  await runner.watch.until({ all: ['migrate'], state: 'starting' })
  await runner.stop()
  await assert.rejects(starting, { code: 'FSR_ERR_START_INTERRUPTED' })
  assert.deepEqual(events, ['run aborted', 'stop migrate', 'stop store'])
  assert.deepEqual(runner.states()[1].timeline.map((step) => step.to), ['initiating', 'initiated', 'starting', 'shutting-down', 'stopped'])
  assert.equal(runner.states()[2].state, 'registered')
})

test('a task whose run rejects when the stop aborts it is stopped too, not failed: start() says it was interrupted, with no failure as cause', async (t) => {
  const runner = quietRunner(t)
  runner.register(defineService({
    name: 'migrate',
    once: true,
    run: (ctx) => new Promise<void>((_resolve, reject) => { ctx.signal.addEventListener('abort', () => reject(new Error('migration cancelled'))) }),
  }))
  const starting = runner.start()
  await runner.watch.until({ all: ['migrate'], state: 'starting' })
  await runner.stop()
  await assert.rejects(starting, (err: Error) => err.cause === undefined && (err as { code?: string }).code === 'FSR_ERR_START_INTERRUPTED')
  assert.deepEqual(runner.states()[0].timeline.map((step) => step.to), ['initiating', 'initiated', 'starting', 'shutting-down', 'stopped'])
})

test('once needs a run, refuses the hooks of a service that runs on, and is refused on a plain plugin', () => {
  assert.throws(() => defineService({ name: 'migrate', once: true }), {
    code: 'FSR_ERR_INVALID_SERVICE',
    message: /run: got undefined; expected a function .*once: true/,
  })
  assert.throws(() => defineService({ name: 'migrate', once: 'yes' as never, async run () {} }), {
    code: 'FSR_ERR_INVALID_SERVICE',
    message: /once: got "yes"; expected true or false/,
  })
  assert.throws(() => defineService({ name: 'migrate', once: true, async run () {}, async ready () { return true }, async check () { return 'healthy' as const } }), (err: Error & { code?: string, problems?: string[] }) => {
    assert.equal(err.code, 'FSR_ERR_INVALID_SERVICE')
    assert.equal(err.problems?.length, 2)
    assert.match(err.problems![0], /^- ready: .*a task/)
    assert.match(err.problems![1], /^- check: .*a task/)
    return true
  })
  const runner = createRunner({ server: false, signals: false, admin: false, logger: captureLogs('warn').logger })
  assert.throws(() => runner.register(async () => {}, { service: { name: 'migrate', once: true } as never }), {
    code: 'FSR_ERR_INVALID_SERVICE',
    message: /once: got true; expected .*plain plugin has no run/,
  })
  // once: false is a plain service.
  assert.doesNotThrow(() => defineService({ name: 'store', once: false, async ready () { return true } }))
})
