import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

const quiet = () => ({ server: false as const, admin: false as const, signals: false as const, logger: captureLogs('silent').logger })

test('beforeStart runs before the first service boots; afterStop after the last one stopped, in reverse', async () => {
  const order: string[] = []
  const runner = createRunner(quiet())
  runner.addHook('beforeStart', () => { order.push('before 1') })
  runner.addHook('beforeStart', async () => { order.push('before 2') })
  runner.addHook('afterStop', () => { order.push('after 1') })
  runner.addHook('afterStop', () => { order.push('after 2') })
  runner.addHook('onTransition', (transition) => { if (transition.to === 'running' || transition.to === 'stopped') order.push(`${transition.service} ${transition.to}`) })
  runner.register(defineService({ name: 'store' }))
  await runner.start()
  await runner.stop()
  assert.deepEqual(order, ['before 1', 'before 2', 'store running', 'store stopped', 'after 2', 'after 1'])
})

test('a failing beforeStart fails start() without booting anything, and afterStop still cleans up', async () => {
  const order: string[] = []
  const runner = createRunner(quiet())
  runner.addHook('beforeStart', () => { throw new Error('cannot bind') })
  runner.addHook('afterStop', () => { order.push('after') })
  runner.register(defineService({ name: 'store', async init () { order.push('store init') } }))
  await assert.rejects(runner.start(), /cannot bind/)
  assert.deepEqual(order, ['after'])
  assert.equal(runner.status, 'stopped')
})

test('hooks and context fields are added before start only; an unknown hook name is refused', async () => {
  const runner = createRunner(quiet())
  assert.throws(() => runner.addHook('beforeBoot' as never, (() => {}) as never), { code: 'FSR_ERR_UNKNOWN_HOOK', message: /accepted: beforeStart, afterStop, onTransition/ })
  let seen: unknown
  runner.decorateContext('metrics', 'a registry' as never)
  runner.register(defineService({ name: 'store', async init (ctx) { seen = ctx.metrics } }))
  await runner.start()
  assert.equal(seen, 'a registry')
  assert.throws(() => runner.addHook('afterStop', () => {}), { code: 'FSR_ERR_ALREADY_STARTED' })
  assert.throws(() => runner.decorateContext('metrics', 'x' as never), { code: 'FSR_ERR_ALREADY_STARTED' })
  await runner.stop()
})
