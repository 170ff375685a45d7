import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import { createRunner, defineService } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

const runner = () => createRunner({ server: false, signals: false, logger: captureLogs().logger })
const noop = async () => {}

test('a duplicate service name is refused at once', () => {
  const r = runner()
  r.register(defineService({ name: 'store' }))
  assert.throws(() => r.register(defineService({ name: 'store' })), { code: 'FSR_ERR_DUPLICATE_SERVICE', message: /"store" is already registered/ })
  assert.throws(() => r.register(noop, { service: { name: 'store' } }), { code: 'FSR_ERR_DUPLICATE_SERVICE' })
  assert.equal(r.states().length, 1)
})

test('a dependency must be registered before its dependant', () => {
  const r = runner()
  r.register(defineService({ name: 'a' }))
  assert.throws(() => r.register(defineService({ name: 'b', dependsOn: ['c'] })), {
    code: 'FSR_ERR_UNKNOWN_DEPENDENCY',
    message: 'service "b" depends on "c", which is not registered before it (registered so far: a); register dependencies first',
  })
  assert.throws(() => r.register(defineService({ name: 'self', dependsOn: ['self'] })), { code: 'FSR_ERR_UNKNOWN_DEPENDENCY' })
  assert.throws(() => r.register(noop, { service: { name: 'p', dependsOn: ['later'] } }), { code: 'FSR_ERR_UNKNOWN_DEPENDENCY' })
  r.register(defineService({ name: 'b', dependsOn: ['a'] }))
  assert.deepEqual(r.states().map((s) => s.name), ['a', 'b'])
})

test('registration after start is refused, and so is a second start', async () => {
  const r = runner()
  await r.start()
  assert.throws(() => r.register(defineService({ name: 'late' })), { code: 'FSR_ERR_ALREADY_STARTED', message: /cannot register a service/ })
  await assert.rejects(r.start(), { code: 'FSR_ERR_ALREADY_STARTED' })
  await r.stop()
})

test('an invalid definition lists every problem together', () => {
  assert.throws(
    () => defineService({ name: 'bad name!', dependsOn: 'store', init: 'nope', timeouts: { init: -1, boot: 5 }, colour: 'red' } as never),
    (err: Error & { code: string, problems: string[] }) => {
      assert.equal(err.code, 'FSR_ERR_INVALID_SERVICE')
      assert.equal(err.problems.length, 6)
      assert.match(err.message, /colour: got "red"; expected no such field/)
      assert.match(err.message, /name: got "bad name!"/)
      assert.match(err.message, /dependsOn: got "store"; expected an array of service names/)
      assert.match(err.message, /init: got "nope"; expected a function/)
      assert.match(err.message, /timeouts\.init: got -1; expected an integer from 0/)
      assert.match(err.message, /timeouts\.boot/)
      return true
    },
  )
  assert.throws(() => defineService(null as never), { code: 'FSR_ERR_INVALID_SERVICE' })
  const r = runner()
  assert.throws(() => r.register('not a plugin' as never), { code: 'FSR_ERR_INVALID_SERVICE', message: /a service from defineService\(\) or a Fastify plugin/ })
  assert.throws(() => r.register(noop, { service: { name: '' } }), { code: 'FSR_ERR_INVALID_SERVICE' })
  assert.throws(() => r.register(noop, { service: { name: 'x', init: noop } as never }), { code: 'FSR_ERR_INVALID_SERVICE', message: /init: .*no such field/ })
})

test('a service registered on a bare Fastify instance says how to register it', async () => {
  const app = Fastify()
  app.register(defineService({ name: 'lost' }))
  await assert.rejects(async () => { await app.ready() }, { code: 'FSR_ERR_SERVICE_OUTSIDE_RUNNER' })
})
