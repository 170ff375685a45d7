// GET /events: a snapshot first, then lifecycle, health and restart events as they happen;
// a reconnect with Last-Event-ID gets exactly what it missed; the admin server's close ends it.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type ServiceContext } from '../../../lib/index.ts'
import { connectSse } from '../../helpers/sse-client.ts'

async function startRunner (t: TestContext, options: { history?: number } = {}) {
  let store: ServiceContext | undefined
  const runner = createRunner({ server: false, signals: false, log: { level: 'silent' }, admin: { port: 0 }, dashboard: options })
  runner.register(defineService({ name: 'store', async init (ctx) { store = ctx }, async ready (ctx) { ctx.health.report('healthy'); return true } }))
  runner.register(defineService({
    name: 'flaky',
    async run () { throw new Error('flaky failed') },
    restart: { policy: 'on-failure', backoff: { initial: 60_000, max: 60_000, factor: 1, jitter: 0 } },
  }))
  await runner.start()
  t.after(() => runner.stop())
  const { port } = runner.admin!.server.address() as { port: number }
  return { runner, store: store!, url: `http://127.0.0.1:${port}/events` }
}

test('a new client gets a snapshot of every service, then each event as it happens', async (t) => {
  const { store, url } = await startRunner(t)
  const client = await connectSse(url)
  t.after(() => client.close())
  assert.equal(client.response.headers['content-type'], 'text/event-stream')
  const snapshot = await client.next('snapshot')
  assert.deepEqual(snapshot.data.services.map((service: { name: string }) => service.name), ['store', 'flaky'])
  assert.equal(snapshot.data.runner, 'running')
  assert.ok(Array.isArray(snapshot.data.samples))

  store.health.report('unhealthy', { reason: 'disk full' })
  const health = await client.next('health')
  assert.deepEqual({ ...health.data, since: 0 }, { service: 'store', status: 'unhealthy', previous: 'healthy', since: 0, critical: true, reason: 'disk full', process: 'unhealthy' })
  assert.equal(Number(health.id), Number(snapshot.id) + 1, 'events are numbered after the snapshot')

  const sample = await client.next('sample')
  assert.equal(sample.id, undefined, 'process samples are not numbered: they are never replayed')
  for (const key of ['at', 'eventLoopDelay', 'heapUsedBytes', 'rssBytes', 'eventLoopUtilization']) assert.equal(typeof sample.data[key], 'number', key)
})

test('a restart decided before any client connected is in the snapshot; the boot, missed by nobody, is not logged', async (t) => {
  const { store, url } = await startRunner(t)
  // The flaky job failed during the boot; its restart waits 60 s (the runner's stop ends that wait).
  const client = await connectSse(url)
  t.after(() => client.close())
  const snapshot = await client.next('snapshot')
  const flaky = snapshot.data.services.find((service: { name: string }) => service.name === 'flaky')
  assert.equal(flaky.state, 'failed')
  assert.ok(flaky.nextRestartAt > Date.now() + 50_000)
  assert.equal(snapshot.data.restartEvents.length, 1)
  const [restart] = snapshot.data.restartEvents
  assert.deepEqual(Object.keys(restart).sort(), ['at', 'attempt', 'decision', 'delay', 'reason', 'service'])
  assert.deepEqual({ service: restart.service, decision: restart.decision, reason: restart.reason, delay: restart.delay }, { service: 'flaky', decision: 'restart', reason: 'run-failed', delay: 60_000 })
  // The snapshot holds every service's timeline, the boot included: the log begins with the first client.
  assert.equal(snapshot.id, '0', 'nothing was logged before the first client')
  assert.equal(snapshot.data.services.find((service: { name: string }) => service.name === 'store').timeline[0].to, 'initiating')

  store.health.report('degraded', { reason: 'slow disk' })
  const replay = await connectSse(url, { 'last-event-id': '0' })
  t.after(() => replay.close())
  const first = await replay.next()
  assert.deepEqual([first.event, first.id, first.data.status], ['health', '1', 'degraded'], 'what came after the snapshot, nothing of the boot')
})

test('the restart decisions a snapshot carries are the last `history` to twice as many, kept with nobody connected', async (t) => {
  const runner = createRunner({ server: false, signals: false, log: { level: 'silent' }, admin: { port: 0 }, dashboard: { history: 10 } })
  runner.register(defineService({
    name: 'flaky',
    async run () { throw new Error('flaky failed') },
    restart: { policy: 'on-failure', backoff: { initial: 1, max: 1, factor: 1, jitter: 0 }, intensity: { maxRestarts: 1_000, within: 60_000 } },
  }))
  let decisions = 0
  const enough = new Promise<void>((resolve) => {
    runner.topics.topic('fsr.restart').subscribe(() => { if (++decisions === 25) resolve() })
  })
  await runner.start()
  t.after(() => runner.stop())
  await enough
  const { port } = runner.admin!.server.address() as { port: number }
  const client = await connectSse(`http://127.0.0.1:${port}/events`)
  t.after(() => client.close())
  const { restartEvents } = (await client.next('snapshot')).data
  assert.ok(restartEvents.length >= 10 && restartEvents.length < 20, `${restartEvents.length} kept`)
  const attempts = restartEvents.map((event: { attempt: number }) => event.attempt)
  assert.deepEqual(attempts, [...attempts].sort((a, b) => a - b), 'oldest first')
  assert.ok(attempts.at(-1) >= 25, 'the latest are kept')
})

test('a reconnect with Last-Event-ID gets exactly the events it missed, or a new snapshot once they are gone', async (t) => {
  const { store, url } = await startRunner(t, { history: 10 })
  const first = await connectSse(url)
  const { id } = await first.next('snapshot')
  first.close()
  store.health.report('degraded', { reason: 'slow disk' })
  store.health.report('healthy')
  const again = await connectSse(url, { 'last-event-id': String(id) })
  t.after(() => again.close())
  const missed = [await again.next(), await again.next()]
  assert.deepEqual(missed.map((message) => [message.event, message.data.status, Number(message.id)]), [['health', 'degraded', Number(id) + 1], ['health', 'healthy', Number(id) + 2]])

  // Twenty more events: the ten kept no longer reach back to the id the client saw.
  for (let i = 0; i < 10; i++) {
    store.health.report('degraded', { reason: `slow ${i}` })
    store.health.report('healthy')
  }
  const late = await connectSse(url, { 'last-event-id': String(id) })
  t.after(() => late.close())
  const message = await late.next()
  assert.equal(message.event, 'snapshot')
  assert.equal(Number(message.id), Number(id) + 22)
})

test('stopping the runner ends every event stream', async (t) => {
  const { runner, url } = await startRunner(t)
  const client = await connectSse(url)
  await client.next('snapshot')
  await runner.stop()
  await client.ended
  assert.equal(client.response.complete, true, 'the stream was ended, not cut')
})
