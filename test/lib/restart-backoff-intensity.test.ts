import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Problems } from '../../lib/options.ts'
import { readRestartOptions, RestartHistory, restartDelay } from '../../lib/restart-policy.ts'

const resolve = (value: unknown) => {
  const problems = new Problems()
  const options = readRestartOptions(problems, 'restart', value)
  assert.deepEqual(problems.list, [])
  return options
}

test('the backoff doubles from initial up to max, without jitter exactly', () => {
  const { backoff } = resolve({ policy: 'always', backoff: { initial: 100, max: 1_000, factor: 2, jitter: 0 } })
  const delays = [0, 1, 2, 3, 4, 5].map((n) => restartDelay(backoff, n, () => 0.5))
  assert.deepEqual(delays, [100, 200, 400, 800, 1_000, 1_000])
})

test('the jitter spreads each delay within ± jitter of its base, reaching both ends', () => {
  const { backoff } = resolve({ policy: 'always', backoff: { initial: 1_000, max: 30_000, factor: 2, jitter: 0.2 } })
  assert.equal(restartDelay(backoff, 0, () => 0), 800)
  assert.equal(restartDelay(backoff, 0, () => 0.5), 1_000)
  assert.equal(restartDelay(backoff, 0, () => 0.999_999), 1_200)
  assert.equal(restartDelay(backoff, 3, () => 0), 6_400)
  for (let i = 0; i < 100; i++) {
    const delay = restartDelay(backoff, 2, Math.random)
    assert.ok(delay >= 3_200 && delay <= 4_800, `delay ${delay}`)
  }
})

test('the defaults are those of the issue', () => {
  assert.deepEqual(resolve({}), {
    policy: 'never',
    backoff: { initial: 100, max: 30_000, factor: 2, jitter: 0.2 },
    intensity: { maxRestarts: 5, within: 60_000 },
    escalate: 'fail',
    whenUnhealthyFor: undefined,
    resetAfter: 60_000,
  })
})

test('more restarts than maxRestarts within the window means giving up; older ones leave the window', () => {
  const history = new RestartHistory(resolve({ policy: 'always', backoff: { jitter: 0 }, intensity: { maxRestarts: 3, within: 10_000 } }))
  const decisions = [0, 1_000, 2_000, 3_000].map((now) => history.decide(now, undefined, Math.random))
  assert.deepEqual(decisions.map((d) => d.action), ['restart', 'restart', 'restart', 'give-up'])
  assert.deepEqual(decisions.slice(0, 3).map((d) => d.action === 'restart' && [d.attempt, d.delay]), [[1, 100], [2, 200], [3, 400]])
  // At 10 000 the first restart (at 0) is out of the window: room for one more.
  const later = history.decide(10_000, undefined, Math.random)
  assert.equal(later.action, 'restart')
  assert.equal(history.total, 4)
})

test('a life that ran resetAfter resets the backoff to its first delay', () => {
  const history = new RestartHistory(resolve({ policy: 'always', backoff: { jitter: 0 }, intensity: { maxRestarts: 100 }, resetAfter: 5_000 }))
  assert.deepEqual(history.decide(0, undefined, Math.random), { action: 'restart', attempt: 1, delay: 100 })
  assert.deepEqual(history.decide(200, 150, Math.random), { action: 'restart', attempt: 2, delay: 200 })
  // Ran from 500 to 5 500: long enough.
  assert.deepEqual(history.decide(5_500, 500, Math.random), { action: 'restart', attempt: 1, delay: 100 })
})
