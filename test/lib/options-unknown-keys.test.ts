import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner } from '../../lib/index.ts'
import { resolveRunnerOptions } from '../../lib/options.ts'

type OptionsError = Error & { code: string, problems: string[] }

test('an unknown key inside server or log is refused, not ignored (server.prot would bind the default port)', () => {
  assert.throws(() => resolveRunnerOptions({ server: { prot: 8080 }, log: { levle: 'debug', format: 'json' } } as never, {}), (err: OptionsError) => {
    assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
    assert.equal(err.problems.length, 2, err.message)
    assert.match(err.message, /server\.prot: got 8080; expected no such key \(accepted: port, host\)/)
    assert.match(err.message, /log\.levle: got "debug"; expected no such key \(accepted: level, format, destination, journal\)/)
    return true
  })
})

test('every built-in plugin refuses an unknown key of its option object, all reported with the core\'s', () => {
  assert.throws(() => createRunner({
    server: { port: 0, prot: 1 },
    admin: { port: 0, tokne: 'x' },
    metrics: { request: false },
    debug: { maxProfileSecond: 5 },
    pressure: { maxEventLoopDely: 5 },
  } as never), (err: OptionsError) => {
    assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
    for (const key of ['server.prot', 'admin.tokne', 'metrics.request', 'debug.maxProfileSecond', 'pressure.maxEventLoopDely']) {
      assert.ok(err.problems.some((problem) => problem.startsWith(`- ${key}: `) && problem.includes('no such key')), `${key} in ${err.message}`)
    }
    assert.equal(err.problems.length, 5, err.message)
    return true
  })
})

test('true for a built-in\'s option is refused with what it takes: an object of its options, or false', () => {
  assert.throws(() => createRunner({ server: false, signals: false, metrics: true, debug: true } as never), (err: Error & { code?: string, problems?: string[] }) => {
    assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
    assert.deepEqual(err.problems, [
      '- metrics: got true; expected an object of its options ({} for the defaults), or false to turn it off',
      '- debug: got true; expected an object of its options ({} for the defaults), or false to turn it off',
    ])
    return true
  })
})
