import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService } from '../../../lib/index.ts'
import { waitFor } from '../../helpers/fixture-process.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

test('fsr_service_restarts_total counts each restart with the reason its policy decided it for', async (t) => {
  const runner = createRunner({ server: false, admin: { port: 0 }, signals: false, logger: captureLogs('silent').logger })
  t.after(() => runner.stop().catch(() => {}))
  let lives = 0
  let end: (err?: Error) => void = () => {}
  runner.register(defineService({
    name: 'worker',
    restart: { policy: 'always', backoff: { initial: 1, jitter: 0 }, intensity: { maxRestarts: 10 } },
    run: (ctx) => new Promise<void>((resolve, reject) => {
      lives++
      end = (err) => { if (err === undefined) resolve(); else reject(err) }
      ctx.signal.addEventListener('abort', () => resolve())
    }),
  }))
  await runner.start()
  const running = () => runner.states()[0].state === 'running'
  end(new Error('down'))
  await waitFor(() => lives === 2 && running())
  end()
  await waitFor(() => lives === 3 && running())
  end(new Error('down again'))
  await waitFor(() => lives === 4 && running())
  const text = (await runner.admin!.inject('/metrics')).body
  assert.match(text, /^fsr_service_restarts_total\{service="worker",reason="run-failed"\} 2$/m)
  assert.match(text, /^fsr_service_restarts_total\{service="worker",reason="run-ended"\} 1$/m)
})
