import assert from 'node:assert/strict'
import diagnostics from 'node:diagnostics_channel'
import { test } from 'node:test'
import { createRunner, defineService, healthChannel, lifecycleChannel, type HealthChange, type LifecycleTransition, type RestartEvent, type ServiceContext } from '../../lib/index.ts'
import { waitFor } from '../helpers/fixture-process.ts'
import { captureLogs } from '../helpers/log-capture.ts'

test('publishing on the runner\'s fsr.* topics, or naming an fsr.* topic it does not have, is refused with FSR_ERR_TOPIC_RESERVED', async () => {
  const runner = createRunner({ server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false, logger: captureLogs('silent').logger })
  let ctx: ServiceContext | undefined
  runner.register(defineService({ name: 'rogue', init (context) { ctx = context } }))
  await runner.start()
  for (const topics of [runner.topics, (ctx as ServiceContext).topics]) {
    for (const name of ['fsr.lifecycle', 'fsr.health', 'fsr.restart'] as const) {
      const topic = topics.topic(name)
      assert.throws(() => (topic as unknown as { publish (value: unknown): void }).publish({ service: 'rogue' }), { code: 'FSR_ERR_TOPIC_RESERVED', message: new RegExp(`topic "${name}": publish\\(\\) refused`) })
      assert.equal(topic.figures().published, 0)
    }
    assert.throws(() => topics.topic('fsr.dashboard'), { code: 'FSR_ERR_TOPIC_RESERVED', message: /the runner has no such topic/ })
  }
  assert.deepEqual(runner.topics.figures().map(({ name }) => name), ['fsr.lifecycle', 'fsr.health', 'fsr.restart'])
  // A name that only looks like the prefix is the user's.
  runner.topics.topic<number>('fsrx.metrics').publish(1)
  await runner.stop()
})

test('fsr.lifecycle, fsr.health and fsr.restart carry the very events of the diagnostics channels, published once each', async (t) => {
  const runner = createRunner({ server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false, logger: captureLogs('silent').logger })
  t.after(() => runner.stop())
  const channel: { lifecycle: unknown[], health: unknown[] } = { lifecycle: [], health: [] }
  const onLifecycle = (message: unknown): void => { channel.lifecycle.push(message) }
  const onHealth = (message: unknown): void => { channel.health.push(message) }
  diagnostics.subscribe(lifecycleChannel.name, onLifecycle)
  diagnostics.subscribe(healthChannel.name, onHealth)
  t.after(() => {
    diagnostics.unsubscribe(lifecycleChannel.name, onLifecycle)
    diagnostics.unsubscribe(healthChannel.name, onHealth)
  })
  const lifecycle: LifecycleTransition[] = []
  const health: HealthChange[] = []
  const restarts: RestartEvent[] = []
  runner.topics.topic('fsr.lifecycle').subscribe((transition) => { lifecycle.push(transition) })
  runner.topics.topic('fsr.health').subscribe((change) => { health.push(change) })
  runner.topics.topic('fsr.restart').subscribe((event) => { restarts.push(event) })
  let fail: (err: Error) => void = () => {}
  runner.register(defineService({
    name: 'worker',
    restart: { policy: 'on-failure', backoff: { initial: 1, jitter: 0 } },
    run: (ctx) => new Promise<void>((resolve, reject) => {
      fail = reject
      ctx.signal.addEventListener('abort', () => resolve())
    }),
  }))
  await runner.start()
  fail(new Error('lost the queue'))
  await waitFor(() => lifecycle.filter((transition) => transition.to === 'running').length === 2)
  assert.deepEqual(lifecycle.map((transition) => transition.to), [
    'initiating', 'initiated', 'starting', 'running', 'failed', 'shutting-down', 'stopped', 'initiating', 'initiated', 'starting', 'running',
  ])
  assert.equal(lifecycle[4].error?.message, 'the run of service "worker" failed: lost the queue')
  assert.deepEqual(health.map((change) => [change.service, change.previous, change.status]), [
    ['worker', 'unknown', 'healthy'], ['worker', 'healthy', 'unhealthy'], ['worker', 'unhealthy', 'unknown'], ['worker', 'unknown', 'healthy'],
  ])
  assert.equal(restarts.length, 1)
  assert.deepEqual({ ...restarts[0], at: 0 }, { service: 'worker', decision: 'restart', reason: 'run-failed', attempt: 1, delay: 1, at: 0 })
  // The same objects: the lifecycle channel carries the transitions and the restart decisions.
  assert.deepEqual(channel.lifecycle.filter((message) => !('decision' in (message as object))), lifecycle)
  assert.ok(channel.lifecycle.includes(restarts[0]), 'the restart decision is one record for both too')
  for (const transition of lifecycle) assert.ok(channel.lifecycle.includes(transition), 'one record for both')
  for (const change of health) assert.ok(channel.health.includes(change), 'one record for both')
  const figures = Object.fromEntries(runner.topics.figures().map((each) => [each.name, [each.published, each.delivered, each.subscribers]]))
  assert.deepEqual(figures, { 'fsr.lifecycle': [11, 11, 1], 'fsr.health': [4, 4, 1], 'fsr.restart': [1, 1, 1] })
})
