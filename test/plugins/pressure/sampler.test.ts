// The built-in's own sampler: real measures once per interval, nothing before the first, and
// nothing more once stopped (its event-loop monitor is disabled, unlike under-pressure's).
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { PressureSampler } from '../../../plugins/pressure/sampler.ts'

test('samples the event loop and memory every interval until stopped', async () => {
  const sampler = new PressureSampler()
  const samples: unknown[] = []
  sampler.start(100, (sample) => samples.push(sample))
  assert.deepEqual(sampler.latest, { eventLoopDelay: 0, heapUsed: 0, rssBytes: 0, eventLoopUtilized: 0 }, 'every measure reads 0 before the first sample')
  await sleep(350)
  assert.ok(samples.length >= 2, `got ${samples.length} samples in 350 ms`)
  const { eventLoopDelay, heapUsed, rssBytes, eventLoopUtilized } = sampler.latest
  assert.ok(Number.isFinite(eventLoopDelay) && eventLoopDelay >= 0, `delay ${eventLoopDelay}`)
  assert.ok(heapUsed > 0 && rssBytes >= heapUsed, `heap ${heapUsed}, rss ${rssBytes}`)
  assert.ok(eventLoopUtilized >= 0 && eventLoopUtilized <= 1, `utilization ${eventLoopUtilized}`)
  sampler.stop()
  const taken = samples.length
  await sleep(250)
  assert.equal(samples.length, taken, 'no sample after stop()')
  assert.equal(sampler.latest.heapUsed, 0)
})
