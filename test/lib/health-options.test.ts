import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resolveRunnerOptions } from '../../lib/options.ts'

test('passive checks default to every 30 s with a 5 s timeout', () => {
  assert.deepEqual(resolveRunnerOptions({}, {}).health, { interval: 30_000, timeout: 5_000 })
})

test('FSR_HEALTH_INTERVAL and FSR_HEALTH_TIMEOUT override the defaults; explicit options override them', () => {
  const env = { FSR_HEALTH_INTERVAL: '10000', FSR_HEALTH_TIMEOUT: '2000' }
  assert.deepEqual(resolveRunnerOptions({}, env).health, { interval: 10_000, timeout: 2_000 })
  assert.deepEqual(resolveRunnerOptions({ health: { interval: 500, timeout: 0 } }, env).health, { interval: 500, timeout: 0 }, 'timeout 0 (none) is kept')
})

test('bad health options are reported together with the others', () => {
  assert.throws(() => resolveRunnerOptions({ health: { interval: 0, timeout: 'soon', every: 1 } as never, log: { level: 'loud' as never } }, {}),
    (err: Error & { code: string, problems: string[] }) => {
      assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
      assert.equal(err.problems.length, 4, err.message)
      assert.match(err.message, /health\.every: got 1; expected no such key \(accepted: interval, timeout\)/)
      assert.match(err.message, /health\.interval: got 0; expected an integer from 1/)
      assert.match(err.message, /health\.timeout: got "soon"/)
      return true
    })
  assert.throws(() => resolveRunnerOptions({}, { FSR_HEALTH_INTERVAL: '0' }), { message: /FSR_HEALTH_INTERVAL: got 0; expected an integer from 1/ })
})
