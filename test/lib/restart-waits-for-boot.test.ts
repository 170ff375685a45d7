import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

const turns = async (n: number) => { for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve)) }

test('a service that fails while later services still boot restarts only once the boot is over', async (t) => {
  const runner = createRunner({ server: false, signals: false, logger: captureLogs('silent').logger })
  t.after(() => runner.stop().catch(() => {}))
  let lives = 0
  let openGate: () => void = () => {}
  const gate = new Promise<void>((resolve) => { openGate = resolve })
  const scheduled = new Promise<void>((resolve) => runner.addHook('onRestart', () => resolve()))
  const order: string[] = []
  runner.register(defineService({
    name: 'early',
    restart: { policy: 'on-failure', backoff: { initial: 0, jitter: 0 } },
    async run (ctx) {
      lives++
      order.push(`early run ${ctx.attempt}`)
      if (ctx.attempt === 0) throw new Error('fell over at once')
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))
    },
  }))
  runner.register(defineService({ name: 'late', async init () { await gate; order.push('late init done') } }))
  const starting = runner.start()
  await scheduled
  // The backoff (0 ms) is long over after these turns of the loop; the boot is not.
  await turns(50)
  assert.equal(lives, 1, 'no restart while "late" is still starting')
  openGate()
  await starting
  for (let i = 0; i < 100 && lives < 2; i++) await turns(1)
  assert.deepEqual(order, ['early run 0', 'late init done', 'early run 1'])
})
