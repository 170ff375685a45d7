import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner } from '../../../lib/index.ts'
import { judgePressure } from '../../../plugins/pressure/judge-pressure.ts'
import { DEFAULT_PRESSURE, resolvePressureOptions } from '../../../plugins/pressure/options.ts'

test('defaults: event-loop delay over 1 s sheds load; memory and utilization are off; Retry-After 10 s', () => {
  const resolved = resolvePressureOptions(undefined, {})
  assert.deepEqual(resolved, {
    maxEventLoopDelay: 1_000, maxHeapUsedBytes: 0, maxRssBytes: 0, maxEventLoopUtilization: 0, retryAfter: 10, sampleInterval: 1_000,
  })
  assert.ok(Object.isFrozen(resolved))
  assert.equal(resolvePressureOptions(false, { FSR_PRESSURE_RETRY_AFTER: '1' }), false)
})

test('FSR_PRESSURE_* override the defaults; explicit options override them; the input is not mutated', () => {
  const env = {
    FSR_PRESSURE_MAX_EVENT_LOOP_DELAY: '200',
    FSR_PRESSURE_MAX_HEAP_USED_BYTES: '1000000000',
    FSR_PRESSURE_MAX_RSS_BYTES: '2000000000',
    FSR_PRESSURE_MAX_EVENT_LOOP_UTILIZATION: '0.95',
    FSR_PRESSURE_RETRY_AFTER: '5',
    FSR_PRESSURE_SAMPLE_INTERVAL: '250',
  }
  assert.deepEqual(resolvePressureOptions({}, env), {
    maxEventLoopDelay: 200, maxHeapUsedBytes: 1e9, maxRssBytes: 2e9, maxEventLoopUtilization: 0.95, retryAfter: 5, sampleInterval: 250,
  })
  const input = Object.freeze({ maxEventLoopDelay: 0, maxEventLoopUtilization: 0 })
  const explicit = resolvePressureOptions(input, env)
  assert.equal(explicit !== false && explicit.maxEventLoopDelay, 0, 'an explicit 0 turns a threshold off')
  assert.equal(explicit !== false && explicit.maxEventLoopUtilization, 0)
  assert.deepEqual(input, { maxEventLoopDelay: 0, maxEventLoopUtilization: 0 })
})

test('every problem is reported together, with the core options', () => {
  assert.throws(() => resolvePressureOptions({
    maxEventLoopDelay: -1, maxEventLoopUtilization: 1.5, retryAfter: 0, sampleInterval: 5, maxMemory: 1,
  } as never, { FSR_PRESSURE_MAX_RSS_BYTES: 'lots' }), (err: Error & { code: string, problems: string[] }) => {
    assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
    assert.equal(err.problems.length, 6, err.message)
    for (const expected of [
      /pressure\.maxMemory: got 1; expected no such key/,
      /pressure\.maxEventLoopDelay: got -1/,
      /FSR_PRESSURE_MAX_RSS_BYTES: got "lots"/,
      /pressure\.maxEventLoopUtilization: got 1\.5; expected a number from 0 to 1/,
      /pressure\.retryAfter: got 0; expected an integer from 1 to 86400/,
      /pressure\.sampleInterval: got 5; expected an integer from 100/,
    ]) assert.match(err.message, expected)
    return true
  })
  assert.throws(() => createRunner({ pressure: { retryAfter: 0 }, log: { level: 'loud' as never } }), (err: Error & { problems: string[] }) => {
    assert.equal(err.problems.length, 2, err.message)
    return true
  })
})

test('a sample over a threshold is unhealthy, within 10 % of one degraded, with the measures as detail', () => {
  const thresholds = { ...DEFAULT_PRESSURE, maxHeapUsedBytes: 1_000, maxRssBytes: 10_000 }
  const sample = { eventLoopDelay: 12.3456, heapUsed: 500, rssBytes: 2_000, eventLoopUtilized: 0.25 }
  assert.deepEqual(judgePressure(sample, thresholds), {
    status: 'healthy',
    detail: { eventLoopDelay: 12.346, heapUsedBytes: 500, rssBytes: 2_000, eventLoopUtilization: 0.25 },
  })
  assert.equal(judgePressure({ ...sample, heapUsed: 950 }, thresholds).detail.reason, 'near maxHeapUsedBytes')
  assert.equal(judgePressure({ ...sample, heapUsed: 950 }, thresholds).status, 'degraded')
  const over = judgePressure({ ...sample, heapUsed: 1_001, eventLoopDelay: 1_500 }, thresholds)
  assert.equal(over.status, 'unhealthy')
  assert.equal(over.detail.reason, 'over maxEventLoopDelay, maxHeapUsedBytes')
  assert.equal(judgePressure({ ...sample, eventLoopUtilized: 1 }, thresholds).status, 'healthy', 'a threshold of 0 is off')
})

test('while warming up, the event-loop measures do not count (their sample may span the boot); memory does', () => {
  const thresholds = { ...DEFAULT_PRESSURE, maxHeapUsedBytes: 1_000, maxEventLoopUtilization: 0.9 }
  const boot = { eventLoopDelay: Infinity, heapUsed: 500, rssBytes: 2_000, eventLoopUtilized: 1 }
  assert.equal(judgePressure(boot, thresholds).status, 'unhealthy')
  const warming = judgePressure(boot, thresholds, true)
  assert.equal(warming.status, 'healthy')
  assert.equal(warming.detail.isWarmingUp, true)
  assert.equal(judgePressure({ ...boot, heapUsed: 1_001 }, thresholds, true).detail.reason, 'over maxHeapUsedBytes')
})
