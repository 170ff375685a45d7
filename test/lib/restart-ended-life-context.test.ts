// A ctx kept past its life (a pool's error callback, a loop that outlived its stop) belongs to that
// life: after a restart it never reads the new life's signal, reports nothing, subscribes nothing.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService, type ServiceContext } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'
import { until } from '../helpers/loop-turns.ts'

test('after a restart, the ctx of the life before keeps its aborted signal, and its reports and subscriptions count for nothing', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 })
  const runner = createRunner({ server: false, signals: false, admin: false, logger: captureLogs('silent').logger })
  const lives: ServiceContext[] = []
  let fail: (err: Error) => void = () => {}
  runner.register(defineService({
    name: 'worker',
    restart: { policy: 'on-failure', backoff: { initial: 100, jitter: 0 } },
    run (ctx) {
      lives.push(ctx)
      return new Promise<void>((resolve, reject) => {
        fail = reject
        ctx.signal.addEventListener('abort', () => resolve())
      })
    },
  }))
  await runner.start()
  t.after(() => runner.stop())
  const [first] = lives
  fail(new Error('lost the queue'))
  await until(() => runner.states()[0].state === 'failed', 'the first life failed')
  t.mock.timers.tick(100)
  await until(() => lives.length === 2 && runner.states()[0].state === 'running', 'the second life running')
  const second = lives[1]

  assert.equal(first.signal.aborted, true, 'the ended life\'s signal, read again, is still its own')
  assert.notEqual(first.signal, second.signal)
  assert.equal(second.signal.aborted, false)

  const status = () => runner.health().services.worker.status
  assert.equal(status(), 'healthy')
  first.health.report('unhealthy', { reason: 'stale connection' })
  assert.equal(status(), 'healthy', 'a report of the ended life changes nothing')
  second.health.report('degraded', { reason: 'slow queue' })
  assert.equal(status(), 'degraded', 'the live one does')

  const jobs = runner.topics.topic<number>('jobs')
  const heard: number[] = []
  first.topics.topic<number>('jobs').subscribe((n) => { heard.push(n) })
  second.topics.topic<number>('jobs').subscribe((n) => { heard.push(n * 10) })
  jobs.publish(1)
  assert.deepEqual(heard, [10], 'only the live life hears')
  assert.equal(jobs.figures().subscribers, 1)
  assert.deepEqual(await first.watch.states().next(), { done: true, value: undefined })
  assert.equal(first.child('late').signal.aborted, true)
})
