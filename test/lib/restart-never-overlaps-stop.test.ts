import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

test('a shutdown during a restart\'s init: the init hears ctx.signal, and the stop waits for it, never overlapping', async () => {
  const logs = captureLogs()
  const runner = createRunner({ server: false, signals: false, logger: logs.logger })
  const events: string[] = []
  let fail: (err: Error) => void = () => {}
  let restartInit: () => void = () => {}
  const inRestartInit = new Promise<void>((resolve) => { restartInit = resolve })
  runner.register(defineService({
    name: 'worker',
    restart: { policy: 'on-failure', backoff: { initial: 0, jitter: 0 } },
    async init (ctx) {
      if (ctx.attempt === 0) return
      events.push('restart init begun')
      restartInit()
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))
      events.push('restart init gave up')
      throw new Error('stopping')
    },
    run: (ctx) => new Promise<void>((resolve, reject) => { fail = reject; ctx.signal.addEventListener('abort', () => resolve()) }),
    async stop (ctx) { events.push(`stop of life ${ctx.attempt}`) },
  }))
  await runner.start()
  fail(new Error('down'))
  await inRestartInit
  await runner.stop()
  // The first life's stop belongs to the restart; the restart's init never completed, so nothing more to stop.
  assert.deepEqual(events, ['stop of life 0', 'restart init begun', 'restart init gave up'])
  assert.equal(runner.states()[0].state, 'failed')
  assert.deepEqual(logs.messages('service restart failed'), [])
})
