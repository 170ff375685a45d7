import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { test } from 'node:test'
import { createRunner, defineService, type HealthChange, type ServiceContext } from '../../lib/index.ts'
import { waitFor } from '../helpers/fixture-process.ts'
import { captureLogs } from '../helpers/log-capture.ts'

function createCoreRunner () {
  return createRunner({ server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false, logger: captureLogs('silent').logger })
}

test('a restarted service that subscribes to health in each life has one subscription, and its new life hears', async (t) => {
  const runner = createCoreRunner()
  t.after(() => runner.stop())
  const heard: Array<[number, string]> = []
  let fail: (err: Error) => void = () => {}
  let report: ServiceContext['health'] | undefined
  runner.register(defineService({ name: 'store', init (ctx) { report = ctx.health } }))
  runner.register(defineService({
    name: 'billing',
    restart: { policy: 'on-failure', backoff: { initial: 1, jitter: 0 } },
    init (ctx) {
      ctx.health.subscribe('store', (change) => { if (change.previous !== undefined) heard.push([ctx.attempt, change.status]) })
    },
    async run (ctx) {
      const loop = (async () => {
        for await (const change of ctx.health.watch('store')) if (change.previous !== undefined) heard.push([ctx.attempt, `loop ${change.status}`])
      })()
      await new Promise<void>((resolve, reject) => {
        fail = reject
        ctx.signal.addEventListener('abort', () => resolve())
      })
      await loop
    },
  }))
  await runner.start()
  fail(new Error('lost the ledger'))
  await waitFor(() => runner.states()[1].timeline.filter((step) => step.to === 'running').length === 2)
  report?.report('degraded', { reason: 'slow disk' })
  await waitFor(() => heard.length >= 2)
  assert.deepEqual(heard.sort(), [[1, 'degraded'], [1, 'loop degraded']], 'heard once, by the new life only')
})

test('a watch of health without a signal ends as its service stops, so run settles and the stop is clean', async () => {
  const runner = createCoreRunner()
  const seen: HealthChange[] = []
  runner.register(defineService({ name: 'store' }))
  runner.register(defineService({
    name: 'watcher',
    // Were the watch left open, run would never settle and this stop would time out.
    timeouts: { stop: 2_000 },
    async run (ctx) {
      for await (const change of ctx.health.watch('store')) seen.push(change)
    },
  }))
  await runner.start()
  await waitFor(() => seen.length === 1)
  await runner.stop()
  const watcher = runner.states().find((state) => state.name === 'watcher')
  assert.equal(watcher?.state, 'stopped')
  assert.equal(seen[0]?.service, 'store')
})

test('a listener subscribed through ctx.health is gone once its service stopped, and one made after hears only the current entries', async () => {
  const runner = createCoreRunner()
  const heard: string[] = []
  let ctxOf: ServiceContext | undefined
  let store: ServiceContext | undefined
  runner.register(defineService({ name: 'store', init (ctx) { store = ctx } }))
  runner.register(defineService({
    name: 'listener',
    init (ctx) {
      ctxOf = ctx
      ctx.health.subscribe('store', (change) => { heard.push(`${change.status}`) })
    },
  }))
  await runner.start()
  assert.deepEqual(heard, ['healthy'], 'the current entry first')
  // The one listener on the life's signal, however many subscriptions it holds.
  assert.equal(getEventListeners(ctxOf!.signal, 'abort').length, 1)
  await runner.stop()
  assert.equal(getEventListeners(ctxOf!.signal, 'abort').length, 0)
  const late = ctxOf!.health.subscribe('store', (change) => { heard.push(`late ${change.status}`) })
  store?.health.report('degraded', { reason: 'after the stop' })
  assert.deepEqual(heard, ['healthy', 'late healthy'])
  assert.equal(getEventListeners(ctxOf!.signal, 'abort').length, 0)
  late()
  assert.deepEqual(await ctxOf!.health.watch('store').next(), { done: true, value: undefined })
})

test('a worker\'s health subscriptions end with the worker', async (t) => {
  const runner = createCoreRunner()
  t.after(() => runner.stop())
  const heard: string[] = []
  let store: ServiceContext | undefined
  runner.register(defineService({ name: 'store', init (ctx) { store = ctx } }))
  runner.register(defineService({
    name: 'jobs',
    init (ctx) {
      const worker = ctx.child('poller', { health: true })
      worker.health.subscribe('store', (change) => { heard.push(change.status) })
      worker.abort()
    },
  }))
  await runner.start()
  store?.health.report('degraded', { reason: 'slow' })
  assert.deepEqual(heard, ['healthy'], 'the entry at subscription, then nothing once the worker aborted')
})

test('the subscriptions of a health source\'s handle end once the runner has stopped: an iteration after the changes waiting for it', async () => {
  const runner = createCoreRunner()
  runner.register(defineService({ name: 'store' }))
  const disk = runner.addHealthSource('disk', { critical: false })
  const heard: string[] = []
  disk.subscribe('store', (change) => { heard.push(`${change.service} ${change.status}`) })
  const changes = disk.watch(['disk', 'store'])
  await runner.start()
  disk.report('degraded', { reason: 'almost full' })
  await runner.stop()
  const seen: string[] = []
  for await (const change of changes) seen.push(`${change.service} ${change.status}`)
  assert.deepEqual(seen, ['disk unknown', 'store unknown', 'store healthy', 'disk degraded'], 'what waited is taken, then the loop ends')
  disk.report('unhealthy', { reason: 'full' })
  assert.deepEqual(heard, ['store unknown', 'store healthy'], 'the listener hears nothing after the stop')
  const late: string[] = []
  disk.subscribe('disk', (change) => { late.push(change.status) })
  disk.report('healthy')
  assert.deepEqual(late, ['unhealthy'], 'one made after the stop hears the current entry, then nothing')
  const lateChanges: string[] = []
  for await (const change of disk.watch('disk')) lateChanges.push(change.status)
  assert.deepEqual(lateChanges, ['healthy'], 'and an iteration made after it, the current entry, then done')
})
