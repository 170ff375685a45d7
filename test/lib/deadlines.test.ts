// One timer bounds every phase of a runner: each bound rejects at its own time, a settled one never
// does, and with nothing pending the timer no longer holds the process open.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Deadlines } from '../../lib/deadlines.ts'
import { turns } from '../helpers/loop-turns.ts'

function pending (): { promise: Promise<string>, resolve: (value: string) => void } {
  let resolve!: (value: string) => void
  const promise = new Promise<string>((done) => { resolve = done })
  return { promise, resolve }
}

test('overlapping bounds expire each at its own time, in any order of adding', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 })
  const deadlines = new Deadlines()
  const expired: string[] = []
  const bound = (name: string, ms: number) => deadlines.bound(pending().promise, ms, 'store', name).catch((err: { code: string, message: string }) => { expired.push(`${err.code} ${name}@${Date.now()}`) })
  const long = bound('long', 300)
  const short = bound('short', 100)
  t.mock.timers.tick(99)
  await turns(5)
  assert.deepEqual(expired, [])
  t.mock.timers.tick(1)
  await short
  assert.deepEqual(expired, ['FSR_ERR_TIMEOUT short@100'])
  const middle = bound('middle', 150)
  t.mock.timers.tick(150)
  await middle
  t.mock.timers.tick(50)
  await long
  assert.deepEqual(expired, ['FSR_ERR_TIMEOUT short@100', 'FSR_ERR_TIMEOUT middle@250', 'FSR_ERR_TIMEOUT long@300'])
})

test('a bound whose work settles first resolves with it and never expires', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 })
  const deadlines = new Deadlines()
  const work = pending()
  const bounded = deadlines.bound(work.promise, 100, 'store', 'init')
  work.resolve('done')
  assert.equal(await bounded, 'done')
  t.mock.timers.tick(1_000)
  const failing = deadlines.bound(Promise.reject(new Error('own failure')), 100, 'store', 'init')
  await assert.rejects(failing, /own failure/)
})

test('0 is no limit: the work itself is returned', async () => {
  const deadlines = new Deadlines()
  const work = Promise.resolve('as is')
  assert.equal(deadlines.bound(work, 0, 'store', 'init'), work)
})

test('with nothing pending the timer no longer keeps the process alive', async () => {
  const deadlines = new Deadlines()
  const work = pending()
  const bounded = deadlines.bound(work.promise, 60_000, 'store', 'init')
  const held = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
  work.resolve('done')
  await bounded
  const after = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
  assert.equal(after, held - 1, 'the armed timer is unref\'d once its last bound settled')
})
