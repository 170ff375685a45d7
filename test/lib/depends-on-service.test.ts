import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

const runner = () => createRunner({ server: false, signals: false, admin: false, pressure: false, logger: captureLogs().logger })

test('dependsOn takes a service itself as well as its name, and its dependants see what it decorates', async (t) => {
  const store = defineService<{ kv: Map<string, string> }>({ name: 'store', init: (ctx) => { ctx.app.decorate('kv', new Map([['greeting', 'hello']])) } })
  const seen: string[] = []
  const notes = defineService({ name: 'notes', dependsOn: [store, 'clock'], init: (ctx) => { seen.push(ctx.app.kv.get('greeting') ?? 'nothing') } })
  assert.deepEqual(notes.definition.dependsOn, ['store', 'clock'], 'the definition keeps the names')
  const r = runner()
  t.after(() => r.stop())
  assert.throws(() => r.register(notes), { code: 'FSR_ERR_UNKNOWN_DEPENDENCY', message: /service "notes" depends on "store", which is not registered before it/ })
  r.register(store).register(defineService({ name: 'clock' })).register(notes)
  assert.throws(() => r.register(async () => {}, { service: { name: 'web', dependsOn: [defineService({ name: 'later' })] } }), { code: 'FSR_ERR_UNKNOWN_DEPENDENCY', message: /depends on "later"/ })
  r.register(async (app) => { seen.push(app.getDecorator<Map<string, string>>('kv').get('greeting') ?? 'nothing') }, { service: { name: 'api', dependsOn: [store, notes] } })
  await r.start()
  assert.deepEqual(seen, ['hello', 'hello'])
  assert.deepEqual(r.states().map((s) => [s.name, s.state]), [['store', 'running'], ['clock', 'running'], ['notes', 'running'], ['api', 'running']])
})

test('dependsOn refuses what is neither a name nor a service', () => {
  assert.throws(() => defineService({ name: 'x', dependsOn: [{ name: 'store' }] } as never), {
    code: 'FSR_ERR_INVALID_SERVICE',
    message: /dependsOn: got an array; expected an array of service names \(or of services from defineService\)/,
  })
  assert.throws(() => runner().register(async () => {}, { service: { name: 'p', dependsOn: [42] } } as never), { code: 'FSR_ERR_INVALID_SERVICE', message: /dependsOn: got an array; expected an array of service names/ })
})
