import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService } from '../../lib/index.ts'
import { waitFor } from '../helpers/fixture-process.ts'
import { captureLogs } from '../helpers/log-capture.ts'

test('decorateContextPerService makes one value per service, once, kept through its restarts; onShutdown hears the deadline once', async (t) => {
  const runner = createRunner({ server: false, admin: false, signals: false, logger: captureLogs('silent').logger, shutdown: { timeout: 4321 } })
  t.after(() => runner.stop().catch(() => {}))
  const made: string[] = []
  runner.decorateContextPerService('tracer', (service) => {
    made.push(service)
    return { service } as never
  })
  const shutdowns: number[] = []
  runner.addHook('onShutdown', ({ timeout }) => { shutdowns.push(timeout) })
  const seen: Array<[string, unknown]> = []
  let lives = 0
  for (const name of ['a', 'b']) {
    runner.register(defineService({
      name,
      restart: { policy: 'on-failure', backoff: { initial: 1, jitter: 0 } },
      async init (ctx) { seen.push([ctx.name, ctx.tracer]) },
      run: (ctx) => new Promise<void>((resolve, reject) => {
        if (name === 'a' && lives++ === 0) reject(new Error('once'))
        ctx.signal.addEventListener('abort', () => resolve())
      }),
    }))
  }
  assert.throws(() => runner.decorateContextPerService('meter', 42 as never), { code: 'FSR_ERR_INVALID_ARGUMENT' })
  assert.throws(() => runner.decorateContextPerService('log', () => 1 as never), { code: 'FSR_ERR_INVALID_ARGUMENT' })
  await runner.start()
  await waitFor(() => seen.filter(([name]) => name === 'a').length === 2)
  await runner.stop()
  await runner.stop()
  assert.deepEqual(made, ['a', 'b'])
  const [first, second] = seen.filter(([name]) => name === 'a').map(([, value]) => value)
  assert.equal(first, second, 'a restart keeps the value')
  assert.deepEqual(seen.find(([name]) => name === 'b')![1], { service: 'b' })
  assert.deepEqual(shutdowns, [4321])
})
