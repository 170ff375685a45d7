import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

test('replay: 1 delivers the last published value first, to a listener and to an iterator; replay: 0 only what comes', async () => {
  const runner = createRunner({ server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false, logger: captureLogs('silent').logger })
  const mode = runner.topics.topic<string>('mode')
  const early: string[] = []
  mode.subscribe((value) => { early.push(value) }, { replay: 1 })
  assert.deepEqual(early, [], 'nothing published yet: nothing to replay')
  mode.publish('starting')
  mode.publish('serving')

  const late: string[] = []
  mode.subscribe((value) => { late.push(value) }, { replay: 1 })
  const unreplayed: string[] = []
  mode.subscribe((value) => { unreplayed.push(value) })
  assert.deepEqual(late, ['serving'], 'the last value, at once')
  const iterator = mode.subscribe({ replay: 1 })
  mode.publish('draining')
  assert.deepEqual(await iterator.next(), { done: false, value: 'serving' })
  assert.deepEqual(await iterator.next(), { done: false, value: 'draining' })
  await iterator.return?.()
  assert.deepEqual(early, ['starting', 'serving', 'draining'])
  assert.deepEqual(late, ['serving', 'draining'])
  assert.deepEqual(unreplayed, ['draining'])
  // With `latest`, a late subscriber of a state topic reads the current state and then only the newest.
  const state = mode.subscribe({ replay: 1, overflow: 'latest' })
  mode.publish('stopped')
  assert.deepEqual(await state.next(), { done: false, value: 'stopped' })
  assert.equal(state.dropped, 1, 'the replayed value was replaced before it was read')
  await state.return?.()
})
