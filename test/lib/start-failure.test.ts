import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService, type ServiceDefinition } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

const never = () => new Promise<never>(() => {})

async function startWith (failing: Omit<ServiceDefinition, 'name'>) {
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, logger: logs.logger })
  const events: string[] = []
  for (const name of ['one', 'two']) {
    runner.register(defineService({ name, async stop () { events.push(`stop ${name}`) } }))
  }
  runner.register(defineService({ name: 'bad', ...failing, async stop () { events.push('stop bad') } }))
  runner.register(defineService({ name: 'after', async init () { events.push('init after') } }))
  const error = await runner.start().then(() => undefined, (err: unknown) => err) as Error & { code: string, service: string, phase: string, cause: Error & { code?: string } }
  return { error, events, states: runner.states().map((s) => `${s.name}:${s.state}`), runner }
}

test('init that throws aborts the boot and stops the started services in reverse', async () => {
  const { error, events, states } = await startWith({ async init () { throw new Error('no database') } })
  assert.equal(error.code, 'FSR_ERR_SERVICE_START')
  assert.equal(error.service, 'bad')
  assert.equal(error.phase, 'init')
  assert.equal(error.cause.message, 'no database')
  assert.equal(error.message, 'service "bad" failed to start in phase "init": no database')
  // bad's own stop is not called: its init never completed, so it holds nothing to release.
  assert.deepEqual(events, ['stop two', 'stop one'])
  assert.deepEqual(states, ['one:stopped', 'two:stopped', 'bad:failed', 'after:registered'])
})

test('init past its timeout fails with FSR_ERR_TIMEOUT', async () => {
  const { error, events } = await startWith({ init: never, timeouts: { init: 30 } })
  assert.equal(error.phase, 'init')
  assert.equal(error.cause.code, 'FSR_ERR_TIMEOUT')
  assert.equal(error.cause.message, 'service "bad" did not finish "init" within 30 ms')
  assert.deepEqual(events, ['stop two', 'stop one'])
})

test('ready past its timeout fails the start and the service itself is stopped', async () => {
  const { error, events, states } = await startWith({ ready: never, timeouts: { ready: 30 } })
  assert.equal(error.phase, 'ready')
  assert.equal(error.cause.code, 'FSR_ERR_TIMEOUT')
  assert.deepEqual(events, ['stop bad', 'stop two', 'stop one'])
  assert.deepEqual(states, ['one:stopped', 'two:stopped', 'bad:stopped', 'after:registered'])
})

test('ready that resolves falsy is never ready', async () => {
  const { error } = await startWith({ async ready () { return false } })
  assert.equal(error.phase, 'ready')
  assert.equal(error.cause.code, 'FSR_ERR_NOT_READY')
})

test('run that fails before ready fails the start', async () => {
  const { error, events } = await startWith({ async run () { throw new Error('crashed early') }, ready: never })
  assert.equal(error.phase, 'ready')
  assert.equal(error.cause.message, 'crashed early')
  assert.deepEqual(events, ['stop bad', 'stop two', 'stop one'])
})

test('a plain plugin past the init timeout fails the start too', async () => {
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, logger: logs.logger, timeouts: { init: 30 } })
  runner.register(async () => { await never() }, { service: { name: 'plain' } })
  await assert.rejects(runner.start(), { code: 'FSR_ERR_SERVICE_START', service: 'plain', phase: 'init' })
})

test('stop past its timeout: the others still stop, and stop() reports it', async () => {
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, logger: logs.logger })
  const events: string[] = []
  runner.register(defineService({ name: 'first', async stop () { events.push('stop first') } }))
  runner.register(defineService({ name: 'slow', stop: never, timeouts: { stop: 30 } }))
  runner.register(defineService({ name: 'broken', async stop () { throw new Error('flush failed') } }))
  runner.register(defineService({ name: 'last', async stop () { events.push('stop last') } }))
  await runner.start()
  await assert.rejects(runner.stop(), (err: Error & { code: string, errors: Array<Error & { code: string, cause: Error & { code?: string } }> }) => {
    assert.equal(err.code, 'FSR_ERR_UNCLEAN_STOP')
    assert.deepEqual(err.errors.map((e) => e.code), ['FSR_ERR_SERVICE_STOP', 'FSR_ERR_SERVICE_STOP'])
    assert.equal(err.errors[0].cause.code, 'FSR_ERR_TIMEOUT')
    assert.match(err.errors[1].message, /flush failed/)
    return true
  })
  assert.deepEqual(events, ['stop last', 'stop first'])
  assert.deepEqual(runner.states().map((s) => s.state), ['stopped', 'failed', 'failed', 'stopped'])
})

test('a run that ignores the signal is waited for no longer than the stop timeout', async () => {
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, logger: logs.logger, timeouts: { stop: 30 } })
  runner.register(defineService({ name: 'stubborn', run: never }))
  await runner.start()
  await assert.rejects(runner.stop(), (err: Error & { errors: Array<{ cause: { message: string } }> }) => {
    assert.equal(err.errors[0].cause.message, 'service "stubborn" did not finish "run" within 30 ms')
    return true
  })
})

test('a synchronous init that throws fails the start like one that rejects', async () => {
  const { error, events, states } = await startWith({ init () { throw new Error('bad config') } })
  assert.equal(error.code, 'FSR_ERR_SERVICE_START')
  assert.equal(error.phase, 'init')
  assert.equal(error.cause.message, 'bad config')
  assert.deepEqual(events, ['stop two', 'stop one'])
  assert.deepEqual(states, ['one:stopped', 'two:stopped', 'bad:failed', 'after:registered'])
})

test('synchronous hooks and thenables: each is waited for as needed, in order, and a synchronous stop throw is reported', async () => {
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, logger: logs.logger })
  const events: string[] = []
  // A thenable that is not a native promise, settled after `then` returns: the next service must wait for it.
  const later = (event: string): PromiseLike<void> => ({
    // oxlint-disable-next-line unicorn/no-thenable -- a thenable is what this test is about
    then (resolve) {
      queueMicrotask(() => {
        events.push(event)
        resolve?.(undefined)
      })
      return Promise.resolve() as never
    },
  })
  // One that calls back at once, inside `then`: the runner must go on exactly once.
  const atOnce = (event: string): PromiseLike<void> => ({
    // oxlint-disable-next-line unicorn/no-thenable -- a thenable is what this test is about
    then (resolve) {
      events.push(event)
      resolve?.(undefined)
      return Promise.resolve() as never
    },
  })
  runner.register(defineService({ name: 'plain', init () { events.push('init plain') }, stop () { events.push('stop plain') } }))
  runner.register(defineService({ name: 'thenable', init: () => later('init thenable'), stop: () => later('stop thenable') }))
  runner.register(defineService({ name: 'at-once', init: () => atOnce('init at-once'), stop: () => atOnce('stop at-once') }))
  runner.register(defineService({ name: 'throws', init () { events.push('init throws') }, stop () { throw new Error('close failed') } }))
  await runner.start()
  assert.deepEqual(events.splice(0), ['init plain', 'init thenable', 'init at-once', 'init throws'])
  await assert.rejects(runner.stop(), (err: Error & { code: string, errors: Array<Error & { code: string }> }) => {
    assert.equal(err.code, 'FSR_ERR_UNCLEAN_STOP')
    assert.deepEqual(err.errors.map((e) => e.code), ['FSR_ERR_SERVICE_STOP'])
    assert.match(err.errors[0].message, /"throws".*close failed/)
    return true
  })
  assert.deepEqual(events, ['stop at-once', 'stop thenable', 'stop plain'])
  assert.deepEqual(runner.states().map((s) => s.state), ['stopped', 'stopped', 'stopped', 'failed'])
})

test('a stop that settles after its timeout does not end the stop of the next service', async () => {
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, logger: logs.logger })
  const settleLate = deferred()
  const finishFirst = deferred()
  const firstStopping = deferred()
  runner.register(defineService({
    name: 'first',
    stop () {
      // Only now, with late's stop timed out, does late's promise settle: it must not count as first's.
      settleLate.resolve()
      firstStopping.resolve()
      return finishFirst.promise
    },
  }))
  runner.register(defineService({ name: 'late', stop: () => settleLate.promise, timeouts: { stop: 30 } }))
  await runner.start()
  const stopping = runner.stop().then(() => undefined, (err: unknown) => err)
  await firstStopping.promise
  // The runner has listened to late's promise since late's stop began, before this await does:
  // past it, whatever that late settlement does has been done.
  await settleLate.promise
  assert.deepEqual(runner.states().map((s) => s.state), ['shutting-down', 'failed'])
  finishFirst.resolve()
  const err = await stopping as Error & { errors: Array<Error & { cause: { code: string } }> }
  assert.deepEqual(err.errors.map((e) => e.cause.code), ['FSR_ERR_TIMEOUT'])
  assert.deepEqual(runner.states().map((s) => s.state), ['stopped', 'failed'])
})

function deferred (): { promise: Promise<void>, resolve: () => void } {
  let resolve = (): void => {}
  const promise = new Promise<void>((settle) => { resolve = settle })
  return { promise, resolve }
}

test('a phase with no limit (0) is waited for past the deadline of the phase bounded before it', async (t) => {
  // The runner's clock and timer are mocked: the timer `quick` armed fires when the test says so.
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] })
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false, logger: logs.logger })
  const patientBegan = deferred()
  const finishPatient = deferred()
  runner.register(defineService({ name: 'quick', async init () {}, timeouts: { init: 20 } }))
  runner.register(defineService({
    name: 'patient',
    init () {
      patientBegan.resolve()
      return finishPatient.promise
    },
    timeouts: { init: 0 },
  }))
  const starting = runner.start()
  await patientBegan.promise
  // Well past quick's 20 ms: its timer fires while patient's init, which has no limit, is under way.
  t.mock.timers.tick(100)
  finishPatient.resolve()
  await starting
  assert.deepEqual(runner.states().map((s) => s.state), ['running', 'running'])
  await runner.stop()
})
