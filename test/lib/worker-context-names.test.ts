import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService, type ServiceContext } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

test('a worker name that is empty, has a slash, or is taken by a live worker of the same parent is refused with FSR_ERR_WORKER_NAME', async (t) => {
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger: captureLogs('warn').logger })
  let ctx: ServiceContext | undefined
  runner.register(defineService({ name: 'orders', init (got) { ctx = got } }))
  await runner.start()
  t.after(() => runner.stop())
  const worker = ctx!.child('partition-1')
  const refuse = (make: () => unknown, message: RegExp) => assert.throws(make, (err: Error & { code?: string }) => {
    assert.equal(err.code, 'FSR_ERR_WORKER_NAME')
    assert.match(err.message, message)
    return true
  })
  refuse(() => ctx!.child(''), /^ctx\.child\(\) of "orders": got the worker name ""; expected a string of 1 to 100 letters/)
  refuse(() => ctx!.child('a/b'), /got the worker name "a\/b"; expected .*no "\/"/)
  refuse(() => ctx!.child(42 as unknown as string), /got the worker name 42/)
  refuse(() => ctx!.child('partition-1'), /"partition-1"; expected a name no live worker of "orders" has \(live: partition-1\)/)
  refuse(() => worker.child('x/y'), /^ctx\.child\(\) of "orders\/partition-1"/)
  // The same name under another parent, or once the first is aborted, is fine.
  assert.equal(worker.child('partition-1').name, 'orders/partition-1/partition-1')
  worker.abort()
  assert.equal(ctx!.child('partition-1').signal.aborted, false)
  assert.throws(() => ctx!.child('p', { health: 'yes' } as unknown as { health: boolean }), { code: 'FSR_ERR_INVALID_ARGUMENT', message: /ctx\.child\(\) options: got an object; expected undefined or \{ health\?: true or false \}/ })
  assert.throws(() => ctx!.child('p', { healthy: true } as unknown as { health: boolean }), { code: 'FSR_ERR_INVALID_ARGUMENT' })
})
