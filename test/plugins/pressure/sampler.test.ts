// The built-in's own sampler: real measures once per interval, nothing before the first, and
// nothing more once stopped (its event-loop monitor is disabled, unlike under-pressure's).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { PressureSample } from '../../../plugins/pressure/judge-pressure.ts'
import { PressureSampler } from '../../../plugins/pressure/sampler.ts'

test('samples the event loop and memory every interval', async (t) => {
  const sampler = new PressureSampler()
  t.after(() => sampler.stop())
  const samples: PressureSample[] = []
  const second = new Promise<void>((resolve) => {
    sampler.start(100, (sample) => {
      samples.push(sample)
      if (samples.length === 2) resolve()
    })
  })
  assert.deepEqual(sampler.latest, { eventLoopDelay: 0, heapUsed: 0, rssBytes: 0, eventLoopUtilized: 0 }, 'every measure reads 0 before the first sample')
  // The sampler's timer is unref'd: this one holds the loop open, and bounds the wait.
  let guard: NodeJS.Timeout | undefined
  const late = new Promise<never>((resolve, reject) => { guard = setTimeout(() => reject(new Error('no second sample within 5 s')), 5_000) })
  await Promise.race([second, late])
  clearTimeout(guard)
  const { eventLoopDelay, heapUsed, rssBytes, eventLoopUtilized } = samples[1]!
  assert.equal(sampler.latest, samples[1])
  assert.ok(Number.isFinite(eventLoopDelay) && eventLoopDelay >= 0, `delay ${eventLoopDelay}`)
  assert.ok(heapUsed > 0 && rssBytes >= heapUsed, `heap ${heapUsed}, rss ${rssBytes}`)
  assert.ok(eventLoopUtilized >= 0 && eventLoopUtilized <= 1, `utilization ${eventLoopUtilized}`)
})

test('once stopped it samples no more and reads 0 again', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] })
  const sampler = new PressureSampler()
  let samples = 0
  sampler.start(100, () => { samples++ })
  t.mock.timers.tick(100)
  assert.equal(samples, 1)
  sampler.stop()
  t.mock.timers.tick(1_000)
  assert.equal(samples, 1, 'no sample after stop()')
  assert.equal(sampler.latest.heapUsed, 0)
})
