import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pino } from 'pino'
import { Lifecycle, TIMELINE_LIMIT } from '../../lib/lifecycle.ts'
import { serviceLogOf } from '../../lib/service-log.ts'

const LIFE = ['initiating', 'initiated', 'starting', 'running', 'failed'] as const

/** A lifecycle on a clock that moves 1 ms per transition, driven through `lives` lives that each end failed. */
function livedThrough (lives: number): Lifecycle {
  let now = 1_000
  const lifecycle = new Lifecycle('worker', serviceLogOf(pino({ level: 'silent' })), undefined, () => now++, 0)
  for (let life = 0; life < lives; life++) {
    for (const state of LIFE) lifecycle.transition(state, state === 'failed' ? new Error(`life ${life} failed`) : undefined)
  }
  return lifecycle
}

test('a service restarted for a long time keeps the latest transitions only, and counts every restart', () => {
  const lives = 1_000
  const { timeline, restarts, state } = livedThrough(lives).snapshot()
  assert.equal(state, 'failed')
  assert.equal(restarts, lives - 1)
  assert.ok(timeline.length <= TIMELINE_LIMIT + 20 && timeline.length >= TIMELINE_LIMIT, `${timeline.length} transitions kept`)
  // The latest life is whole, with its failure, and the first transition shown still says where it came from.
  assert.deepEqual(timeline.slice(-5).map((transition) => transition.to), [...LIFE])
  assert.equal(timeline.at(-1)?.error?.message, `life ${lives - 1} failed`)
  assert.notEqual(timeline[0]?.from, undefined)
  assert.equal(timeline[0]?.duration, 1)
  // Each shown failure keeps its own error; the times follow one another.
  for (const transition of timeline) assert.equal(transition.error !== undefined, transition.to === 'failed')
  for (let i = 1; i < timeline.length; i++) assert.equal(timeline[i]!.at, timeline[i - 1]!.at + 1)
})

test('a timeline under the limit is whole, from the first transition on', () => {
  const { timeline, restarts } = livedThrough(3).snapshot()
  assert.equal(timeline.length, 15)
  assert.equal(timeline[0]?.from, undefined)
  assert.equal(restarts, 2)
})
