import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resolveRunnerOptions } from '../../lib/options.ts'

test('shutdown.idleGrace: option, then FSR_IDLE_GRACE, then 1000 ms; 0 is accepted', () => {
  assert.equal(resolveRunnerOptions({}, {}).shutdown.idleGrace, 1_000)
  assert.equal(resolveRunnerOptions({}, { FSR_IDLE_GRACE: '250' }).shutdown.idleGrace, 250)
  assert.equal(resolveRunnerOptions({ shutdown: { idleGrace: 0 } }, { FSR_IDLE_GRACE: '250' }).shutdown.idleGrace, 0)
})

test('a bad idle grace names where it came from and what is accepted', () => {
  const invalid = (input: object, env: Record<string, string>, expected: RegExp): void => {
    assert.throws(() => resolveRunnerOptions(input, env), (err: Error & { code: string }) => {
      assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
      assert.match(err.message, expected)
      return true
    })
  }
  invalid({ shutdown: { idleGrace: -5 } }, {}, /shutdown\.idleGrace: got -5; expected an integer from 0 to 2147483647/)
  invalid({}, { FSR_IDLE_GRACE: 'soon' }, /FSR_IDLE_GRACE: got "soon"; expected an integer from 0/)
})
