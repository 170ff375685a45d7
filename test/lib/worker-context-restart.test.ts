import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { test } from 'node:test'
import { createRunner, defineService, type ServiceContext, type WorkerContext } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

interface Life { ctx: ServiceContext, workers: WorkerContext[], fail: (err: Error) => void }

test('a restart ends the workers of the old life (signals aborted, entries removed) and leaves exactly the new life\'s', async (t) => {
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger: captureLogs('silent').logger })
  const lives: Life[] = []
  let secondLife: () => void = () => {}
  const restarted = new Promise<void>((resolve) => { secondLife = resolve })
  runner.register(defineService({
    name: 'orders',
    restart: { policy: 'on-failure', backoff: { initial: 1, jitter: 0 } },
    run (ctx) {
      return new Promise<void>((resolve, reject) => {
        const workers = [ctx.child('partition-1', { health: true }), ctx.child('partition-2', { health: true }), ctx.child('plain')]
        workers[0].health!.report('degraded', { reason: 'lagging' })
        lives.push({ ctx, workers, fail: reject })
        ctx.signal.addEventListener('abort', () => resolve(), { once: true })
        if (ctx.attempt === 1) secondLife()
      })
    },
  }))
  await runner.start()
  t.after(() => runner.stop())
  assert.equal(runner.health().services.orders.status, 'degraded')
  lives[0].fail(new Error('broker went away'))
  await restarted
  await runner.watch.until({ all: ['orders'], state: 'running' })
  const [old, current] = lives
  assert.deepEqual(old.workers.map((worker) => worker.signal.aborted), [true, true, true])
  assert.deepEqual(current.workers.map((worker) => worker.signal.aborted), [false, false, false])
  const workerEntries = Object.keys(runner.health().services).filter((name) => name.startsWith('orders/'))
  assert.deepEqual(workerEntries, ['orders/partition-1', 'orders/partition-2'], 'one entry per worker of the new life')
  assert.deepEqual(runner.health().services.orders.detail, { follows: { 'orders/partition-1': 'degraded', 'orders/partition-2': 'unknown' } })
  const snapshot = runner.states()[0]
  assert.deepEqual(snapshot.workers?.map(({ name, aborted }) => [name, aborted]), [
    ['orders/partition-1', false],
    ['orders/partition-2', false],
    ['orders/plain', false],
  ])
  assert.deepEqual(snapshot.workers?.map(({ startedAt }) => startedAt), current.workers.map((worker) => worker.startedAt))
  // Each life's signal has only the listener its run added: workers add none.
  assert.equal(getEventListeners(current.ctx.signal, 'abort').length, 1)
  // A report from the old life's worker reaches nothing.
  old.workers[1].health!.report('unhealthy')
  assert.equal(runner.health().services['orders/partition-2'].status, 'unknown')
  assert.equal(runner.health().services.orders.status, 'degraded')
})
