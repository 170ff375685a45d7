import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService, type RestartEvent } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

test('/services shows a supervised service\'s last restart reason and when its next attempt begins', async (t) => {
  const runner = createRunner({ server: false, admin: { port: 0 }, signals: false, logger: captureLogs('warn').logger })
  t.after(() => runner.stop().catch(() => {}))
  let fail: (err: Error) => void = () => {}
  const scheduled = new Promise<RestartEvent>((resolve) => runner.addHook('onRestart', resolve))
  runner.register(defineService({ name: 'plain' }))
  runner.register(defineService({
    name: 'worker',
    restart: { policy: 'on-failure', backoff: { initial: 600_000, max: 600_000, jitter: 0 } },
    run: (ctx) => new Promise<void>((resolve, reject) => { fail = reject; ctx.signal.addEventListener('abort', () => resolve()) }),
  }))
  await runner.start()
  const before = (await runner.admin!.inject('/services')).json().services
  assert.deepEqual(before.map((s: Record<string, unknown>) => [s.name, s.lastRestartReason, s.nextRestartAt, s.restartsGivenUp]), [
    ['plain', undefined, undefined, undefined],
    ['worker', undefined, undefined, false],
  ])
  fail(new Error('down'))
  const event = await scheduled
  const [, worker] = (await runner.admin!.inject('/services')).json().services
  assert.equal(worker.state, 'failed')
  assert.equal(worker.lastRestartReason, 'run-failed')
  assert.equal(worker.nextRestartAt, event.at + 600_000)
  assert.equal(worker.restarts, 0, 'decided, not begun yet')
  await runner.stop()
  assert.equal(runner.states()[1].restart?.nextAttemptAt, undefined, 'the stop cancelled the wait')
})
