import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

const quiet = () => ({ server: false as const, admin: false as const, signals: false as const, logger: captureLogs('silent').logger })

type ArgumentError = Error & { code: string }

test('addHook refuses a hook that is not a function, at the call', () => {
  const runner = createRunner(quiet())
  for (const hook of [42, 'fn', null, undefined, {}]) {
    assert.throws(() => runner.addHook('beforeStart', hook as never), (err: ArgumentError) => {
      assert.equal(err.code, 'FSR_ERR_INVALID_ARGUMENT')
      assert.match(err.message, /^runner\.addHook\("beforeStart"\): got .*; expected a function$/)
      return true
    }, String(hook))
  }
})

test('decorateContext refuses the fields the runner owns, and names that are not plain strings', () => {
  const runner = createRunner(quiet())
  for (const name of ['name', 'app', 'log', 'signal', 'health', 'upgrade', 'watch', 'attempt', 'child', 'topics']) {
    assert.throws(() => runner.decorateContext(name as never, 42 as never), (err: ArgumentError) => {
      assert.equal(err.code, 'FSR_ERR_INVALID_ARGUMENT')
      assert.match(err.message, new RegExp(`^runner\\.decorateContext\\(\\): got "${name}"; expected a name other than the runner's own fields \\(name, app, log, signal, health, upgrade, watch, attempt, child, topics\\)`))
      return true
    }, name)
  }
  for (const name of ['', 42, '__proto__', 'constructor', 'toString']) {
    assert.throws(() => runner.decorateContext(name as never, 42 as never), { code: 'FSR_ERR_INVALID_ARGUMENT' }, String(name))
  }
})

test('a refused decoration leaves the contexts as they were, and start() works', async () => {
  const runner = createRunner(quiet())
  assert.throws(() => runner.decorateContext('log', 42 as never), { code: 'FSR_ERR_INVALID_ARGUMENT' })
  assert.throws(() => runner.decorateContext('__proto__' as never, { polluted: true } as never), { code: 'FSR_ERR_INVALID_ARGUMENT' })
  assert.throws(() => runner.addHook('beforeStart', 42 as never), { code: 'FSR_ERR_INVALID_ARGUMENT' })
  runner.decorateContext('metrics', 'a registry' as never)
  let seen: Record<string, unknown> = {}
  runner.register(defineService({ name: 'store', async init (ctx) { seen = { log: typeof ctx.log.info, metrics: ctx.metrics, polluted: (ctx as unknown as { polluted?: unknown }).polluted } } }))
  await runner.start()
  await runner.stop()
  assert.deepEqual(seen, { log: 'function', metrics: 'a registry', polluted: undefined })
})

test('addHealthSource refuses a name a service could not have, and bad options', () => {
  const runner = createRunner(quiet())
  for (const name of ['', ' ', 'has space', '-dash', 42, undefined]) {
    assert.throws(() => runner.addHealthSource(name as never), (err: ArgumentError) => {
      assert.equal(err.code, 'FSR_ERR_INVALID_ARGUMENT')
      assert.match(err.message, /^runner\.addHealthSource\(\) name: got .*; expected a string of 1 to 100 letters, digits, or \. _ : - that starts with a letter or digit$/)
      return true
    }, String(name))
  }
  for (const options of [42, null, { critical: 'yes' }, { criticl: true }]) {
    assert.throws(() => runner.addHealthSource('queue', options as never), { code: 'FSR_ERR_INVALID_ARGUMENT', message: /^runner\.addHealthSource\(\) options/ }, JSON.stringify(options))
  }
  assert.equal(runner.addHealthSource('queue', { critical: false }).get().critical, false)
})
