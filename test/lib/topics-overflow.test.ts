import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, type Runner, type TopicIterator, type TopicOverflow } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'
import { until } from '../helpers/loop-turns.ts'

function createCoreRunner (): Runner {
  return createRunner({ server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false, logger: captureLogs('silent').logger })
}

/** The `n` values waiting in an iterator's mailbox, then proof that nothing else waited: the next one published comes next. */
async function drain (iterator: TopicIterator<number>, n: number, publishNext: () => void): Promise<number[]> {
  const values: number[] = []
  for (let i = 0; i < n; i++) values.push((await iterator.next()).value as number)
  const next = iterator.next()
  publishNext()
  values.push((await next).value as number)
  return values
}

test('an iterator that does not read: each overflow policy keeps what it says, and counts exactly what it dropped', async () => {
  const runner = createCoreRunner()
  const numbers = runner.topics.topic<number>('numbers')
  const oldest = numbers.subscribe({ buffer: 3, overflow: 'drop-oldest' })
  const newest = numbers.subscribe({ buffer: 3, overflow: 'drop-newest' })
  const latest = numbers.subscribe({ overflow: 'latest' })
  const byDefault = numbers.subscribe()
  // The publisher never waits for a consumer: 150 values, none read, and publish() returned each time.
  for (let n = 1; n <= 150; n++) numbers.publish(n)
  assert.deepEqual([oldest.dropped, newest.dropped, latest.dropped, byDefault.dropped], [147, 147, 149, 50])
  assert.deepEqual(numbers.figures(), { name: 'numbers', published: 150, delivered: 0, dropped: 147 + 147 + 149 + 50, subscribers: 4 })

  assert.deepEqual(await drain(oldest, 3, () => numbers.publish(151)), [148, 149, 150, 151])
  assert.deepEqual(await drain(newest, 3, () => numbers.publish(152)), [1, 2, 3, 152])
  // 151 and 152 replaced what `latest` kept: 152 waits.
  assert.deepEqual(await drain(latest, 1, () => numbers.publish(153)), [152, 153])
  // While the others were read: `drop-oldest` had room again, `drop-newest` dropped 151, `latest` replaced 150 and 151.
  assert.deepEqual([oldest.dropped, newest.dropped, latest.dropped], [147, 148, 151])
  const first = await byDefault.next()
  assert.equal(first.value, 54, 'the default buffer holds 100 and dropped the oldest (1 to 50, then 51 to 53 for 151 to 153)')
  for (const iterator of [oldest, newest, latest, byDefault]) await iterator.return?.()
  const figures = numbers.figures()
  assert.equal(figures.dropped, 147 + 148 + 151 + 50 + 3, 'the topic counts every subscription\'s drops (the default one\'s mailbox was full for 151 to 153)')
  assert.equal(figures.subscribers, 0)
})

test('an async listener busy with one value: what comes meanwhile waits, bounded, as its overflow policy says', async () => {
  const runner = createCoreRunner()
  const numbers = runner.topics.topic<number>('numbers')
  const policies: Array<{ overflow: TopicOverflow, buffer?: number, expected: number[], dropped: number }> = [
    { overflow: 'drop-oldest', buffer: 3, expected: [1, 8, 9, 10], dropped: 6 },
    { overflow: 'drop-newest', buffer: 3, expected: [1, 2, 3, 4], dropped: 6 },
    { overflow: 'latest', expected: [1, 10], dropped: 8 },
  ]
  const subscriptions = policies.map(({ overflow, buffer }) => {
    const heard: number[] = []
    let release: () => void = () => {}
    const unsubscribe = numbers.subscribe(async (n) => {
      heard.push(n)
      // Slow until the test releases it, once.
      if (n === 1) await new Promise<void>((resolve) => { release = resolve })
    }, { overflow, ...(buffer === undefined ? {} : { buffer }) })
    return { heard, unsubscribe, release: () => release() }
  })
  for (let n = 1; n <= 10; n++) numbers.publish(n)
  assert.deepEqual(subscriptions.map(({ heard }) => heard), [[1], [1], [1]], 'each is busy with the first value')
  assert.deepEqual(subscriptions.map(({ unsubscribe }) => unsubscribe.dropped), policies.map(({ dropped }) => dropped))
  for (const { release } of subscriptions) release()
  await until(() => subscriptions.every(({ heard }, i) => heard.length === policies[i].expected.length), 'the waiting values heard')
  assert.deepEqual(subscriptions.map(({ heard }) => heard), policies.map(({ expected }) => expected))
  assert.deepEqual(numbers.figures(), { name: 'numbers', published: 10, delivered: 4 + 4 + 2, dropped: 6 + 6 + 8, subscribers: 3 })
})
