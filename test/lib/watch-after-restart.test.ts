import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService, type LifecycleTransition } from '../../lib/index.ts'
import { waitFor } from '../helpers/fixture-process.ts'
import { captureLogs } from '../helpers/log-capture.ts'

test('a restarted service\'s ctx.watch follows again, though a watcher of its previous life was open when that life stopped', async (t) => {
  const runner = createRunner({ server: false, admin: false, signals: false, logger: captureLogs('silent').logger })
  t.after(() => runner.stop().catch(() => {}))
  const firsts: Array<IteratorResult<LifecycleTransition>> = []
  runner.register(defineService({ name: 'store' }))
  runner.register(defineService({
    name: 'worker',
    restart: { policy: 'on-failure', backoff: { initial: 1, jitter: 0 } },
    async run (ctx) {
      const transitions = ctx.watch.states({ include: ['store'] })
      firsts.push(await transitions.next())
      // The first life fails with its iterator still open: its stop's abort ends it.
      if (ctx.attempt === 0) throw new Error('lost the queue')
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))
    },
  }))
  await runner.start()
  await waitFor(() => firsts.length === 2)
  assert.deepEqual(firsts.map(({ done, value }) => [done, value?.to]), [[false, 'running'], [false, 'running']])
})
