import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type PrestartContext, type RunnerOptions } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

type StartError = Error & { code: string, stage: string, attempt: number, cause: Error & { code?: string } }

/** One turn of the event loop (setImmediate is not mocked): lets settled promises run on. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function runnerWith (options: RunnerOptions) {
  const logs = captureLogs('debug')
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger: logs.logger, ...options })
  const events: string[] = []
  runner.register(defineService({
    name: 'db',
    init () { events.push('init db') },
    stop () { events.push('stop db') },
  }))
  return { runner, logs, events }
}

test('stages run in order, with their context, before the first service loads', async () => {
  const seen: PrestartContext[] = []
  const { runner, logs, events } = runnerWith({
    prestart: [
      { name: 'migrate', run (ctx) { seen.push(ctx); events.push('migrate') } },
      { name: 'warm-cache', async run (ctx) { seen.push(ctx); events.push('warm-cache') } },
    ],
  })
  runner.prestart({ name: 'announce', run () { events.push('announce') } })
  await runner.start()
  await runner.stop()
  assert.deepEqual(events, ['migrate', 'warm-cache', 'announce', 'init db', 'stop db'])
  assert.deepEqual(seen.map((ctx) => [ctx.name, ctx.attempt, ctx.signal.aborted]), [['migrate', 1, false], ['warm-cache', 1, false]])
  assert.equal(seen[0].upgrade.generation, 0)
  seen[0].log.info('from the stage')
  assert.equal(logs.messages('from the stage')[0].prestart, 'migrate')
  assert.deepEqual(logs.messages('prestart stage done').map((line) => [line.prestart, line.attempt]), [['migrate', 1], ['warm-cache', 1], ['announce', 1]])
  assert.equal(logs.messages('prestart done')[0].attempts, 1)
})

test('a failing stage aborts the start with FSR_ERR_PRESTART naming it; later stages and every service never run', async () => {
  const { runner, logs, events } = runnerWith({
    prestart: [
      { name: 'first', run () { events.push('first') } },
      { name: 'migrate', async run () { throw new Error('lock held') } },
      { name: 'after', run () { events.push('after') } },
    ],
  })
  const err = await runner.start().then(() => undefined, (error: unknown) => error) as StartError
  assert.equal(err.code, 'FSR_ERR_PRESTART')
  assert.equal(err.stage, 'migrate')
  assert.equal(err.attempt, 1)
  assert.equal(err.cause.message, 'lock held')
  assert.match(err.message, /prestart stage "migrate" failed \(attempt 1 of 1\): lock held/)
  assert.deepEqual(events, ['first'])
  assert.deepEqual(runner.states().map((s) => s.state), ['registered'])
  assert.equal(runner.status, 'stopped')
  const failed = logs.messages('prestart stage failed')[0] as { prestart: string, attempt: number, err: { message: string } }
  assert.deepEqual([failed.prestart, failed.attempt, failed.err.message], ['migrate', 1, 'lock held'])
})

test('a stage past its timeout: its signal is aborted and the start fails with FSR_ERR_PRESTART_TIMEOUT as cause', async (t: TestContext) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  let signal: AbortSignal | undefined
  const { runner, events } = runnerWith({
    prestart: [{ name: 'wait-for-db', timeout: 50, run: (ctx) => { signal = ctx.signal; return new Promise(() => {}) } }],
  })
  const started = runner.start().then(() => undefined, (error: unknown) => error)
  await nextTurn()
  t.mock.timers.tick(49)
  await nextTurn()
  assert.equal(signal?.aborted, false)
  t.mock.timers.tick(1)
  const err = await started as StartError
  assert.equal(err.code, 'FSR_ERR_PRESTART')
  assert.equal(err.stage, 'wait-for-db')
  assert.equal(err.cause.code, 'FSR_ERR_PRESTART_TIMEOUT')
  assert.equal(err.cause.message, 'prestart stage "wait-for-db" did not finish within 50 ms')
  assert.equal(signal?.aborted, true)
  assert.equal(signal?.reason, err.cause)
  assert.deepEqual(events, [])
})

test('with retry the whole pipeline runs again after the delay, and a later attempt can succeed', async (t: TestContext) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const calls: string[] = []
  const { runner, logs, events } = runnerWith({
    prestart: [
      { name: 'one', run (ctx) { calls.push(`one#${ctx.attempt}`) } },
      { name: 'two', run (ctx) { calls.push(`two#${ctx.attempt}`); if (ctx.attempt < 3) throw new Error('not yet') } },
    ],
    prestartFailure: { retry: true, delay: 500, maxAttempts: 5 },
  })
  let isStarted = false
  const started = runner.start().then(() => { isStarted = true })
  await nextTurn()
  assert.deepEqual(calls, ['one#1', 'two#1'])
  t.mock.timers.tick(499)
  await nextTurn()
  assert.deepEqual(calls, ['one#1', 'two#1'], 'not retried before the delay')
  t.mock.timers.tick(1)
  await nextTurn()
  assert.deepEqual(calls, ['one#1', 'two#1', 'one#2', 'two#2'])
  t.mock.timers.tick(500)
  await started
  assert.equal(isStarted, true)
  assert.deepEqual(calls, ['one#1', 'two#1', 'one#2', 'two#2', 'one#3', 'two#3'])
  assert.deepEqual(events, ['init db'])
  assert.deepEqual(logs.messages('prestart retry scheduled').map((line) => [line.attempt, line.delay]), [[1, 500], [2, 500]])
  assert.deepEqual(logs.messages('prestart attempt started').map((line) => line.attempt), [1, 2, 3])
  await runner.stop()
})

test('with retry the start fails once maxAttempts attempts failed, naming the last attempt', async (t: TestContext) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  let runs = 0
  const { runner, events } = runnerWith({
    prestart: [{ name: 'migrate', run () { runs++; throw new Error('down') } }],
    prestartFailure: { retry: true, delay: 100, maxAttempts: 3 },
  })
  const started = runner.start().then(() => undefined, (error: unknown) => error)
  for (let i = 0; i < 2; i++) {
    await nextTurn()
    t.mock.timers.tick(100)
  }
  const err = await started as StartError
  assert.equal(err.code, 'FSR_ERR_PRESTART')
  assert.equal(err.attempt, 3)
  assert.match(err.message, /\(attempt 3 of 3\)/)
  assert.equal(runs, 3)
  assert.deepEqual(events, [])
  assert.deepEqual(runner.states().map((s) => s.state), ['registered'])
})

test('stop() during a stage aborts its signal; start() rejects with FSR_ERR_START_INTERRUPTED and no service loads', async () => {
  let signal: AbortSignal | undefined
  let entered!: () => void
  const isEntered = new Promise<void>((resolve) => { entered = resolve })
  const { runner, events, logs } = runnerWith({
    prestart: [{ name: 'wait-for-db', timeout: 0, run: (ctx) => { signal = ctx.signal; entered(); return new Promise(() => {}) } }],
  })
  const started = runner.start()
  await isEntered
  await runner.stop()
  await assert.rejects(started, { code: 'FSR_ERR_START_INTERRUPTED' })
  assert.equal(signal?.aborted, true)
  assert.deepEqual(events, [])
  assert.equal(runner.status, 'stopped')
  assert.equal(logs.messages('prestart aborted')[0].prestart, 'wait-for-db')
})

test('stop() while the pipeline waits to retry: no further attempt, and no service loads', async (t: TestContext) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  let runs = 0
  const { runner, events, logs } = runnerWith({
    prestart: [{ name: 'migrate', run () { runs++; throw new Error('down') } }],
    prestartFailure: { retry: true, delay: 60_000, maxAttempts: 0 },
  })
  const started = runner.start()
  await nextTurn()
  assert.equal(logs.messages('prestart retry scheduled').length, 1)
  await runner.stop()
  await assert.rejects(started, { code: 'FSR_ERR_START_INTERRUPTED' })
  t.mock.timers.tick(60_000)
  await nextTurn()
  assert.equal(runs, 1)
  assert.deepEqual(events, [])
  assert.deepEqual(logs.messages('prestart aborted').map((line) => line.attempt), [1])
})

test('runner.prestart(): refused after start, and bad stages refused at the call', async () => {
  const { runner } = runnerWith({ prestart: [{ name: 'migrate', run () {} }] })
  const bad: unknown[] = [
    undefined,
    { name: 'has space', run () {} },
    { name: 'x', run: 'no' },
    { name: 'x', run () {}, timeout: -1 },
    { name: 'x', run () {}, retries: 2 },
    { name: 'migrate', run () {} },
  ]
  for (const stage of bad) {
    assert.throws(() => runner.prestart(stage as never), { code: 'FSR_ERR_INVALID_ARGUMENT' }, JSON.stringify(stage))
  }
  assert.throws(() => runner.prestart({ name: 'migrate', run () {} }), /"migrate"/)
  await runner.start()
  assert.throws(() => runner.prestart({ name: 'late', run () {} }), { code: 'FSR_ERR_ALREADY_STARTED' })
  await runner.stop()
})

test('prestart options: every problem in one FSR_ERR_INVALID_OPTIONS', () => {
  let err: (Error & { code?: string, problems?: string[] }) | undefined
  try {
    createRunner({
      server: false,
      prestart: [
        { name: 'ok', run () {} },
        { name: 'ok', run () {} },
        { name: '-bad', run: 1, timeout: 'soon', extra: true },
      ],
      prestartFailure: { retry: 'yes', delay: -5, maxAttempts: 1.5, backoff: 2 },
    } as never)
  } catch (error) {
    err = error as typeof err
  }
  assert.equal(err?.code, 'FSR_ERR_INVALID_OPTIONS')
  const problems = (err?.problems ?? []).join('\n')
  for (const where of ['prestart[1].name', 'prestart[2].name', 'prestart[2].run', 'prestart[2].timeout', 'prestart[2].extra', 'prestartFailure.retry', 'prestartFailure.delay', 'prestartFailure.maxAttempts', 'prestartFailure.backoff']) {
    assert.ok(problems.includes(`- ${where}:`), `${where} in:\n${problems}`)
  }
  assert.throws(() => createRunner({ server: false, prestart: { name: 'x' } } as never), /prestart: got an object; expected an array/)
})
