import assert from 'node:assert/strict'
import diagnostics from 'node:diagnostics_channel'
import { test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import fp from 'fastify-plugin'
import { createRunner, defineService, lifecycleChannel, type LifecycleTransition } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

function quietRunner () {
  // Routine transitions are logged at debug.
  const logs = captureLogs('debug')
  return { runner: createRunner({ server: false, signals: false, logger: logs.logger }), logs }
}

test('services init in registration order and stop in exact reverse order', async () => {
  const { runner } = quietRunner()
  const events: string[] = []
  for (const name of ['a', 'b', 'c', 'd']) {
    runner.register(defineService({
      name,
      async init () { events.push(`init ${name}`) },
      async ready () { events.push(`ready ${name}`); return true },
      async stop () { events.push(`stop ${name}`) },
    }))
  }
  await runner.start()
  assert.deepEqual(events, ['init a', 'ready a', 'init b', 'ready b', 'init c', 'ready c', 'init d', 'ready d'])
  events.length = 0
  await runner.stop()
  assert.deepEqual(events, ['stop d', 'stop c', 'stop b', 'stop a'])
})

test('each service is running before the next one begins to load', async () => {
  const { runner } = quietRunner()
  const seen: string[] = []
  runner.register(defineService({ name: 'first', async ready () { await new Promise((resolve) => setImmediate(resolve)); return true } }))
  runner.register(defineService({
    name: 'second',
    async init () { seen.push(...runner.states().map((s) => `${s.name}:${s.state}`)) },
  }))
  await runner.start()
  assert.deepEqual(seen, ['first:running', 'second:initiating'])
  await runner.stop()
})

test('plain plugins, fastify-plugin plugins and nested plugins close in reverse order too', async () => {
  const { runner } = quietRunner()
  const events: string[] = []
  const closing = (label: string) => async () => { events.push(`close ${label}`) }
  runner.register(defineService({ name: 'store', async stop () { events.push('close store') } }))
  runner.register(fp(async (app) => {
    events.push('load shared')
    app.decorate('shared', 42)
    app.addHook('onClose', closing('shared'))
  }), { service: { name: 'shared', dependsOn: ['store'] } })
  runner.register(async (app) => {
    events.push('load api')
    app.addHook('onClose', closing('api'))
    await app.register(async (child) => {
      events.push(`load nested of ${child.service.name}`)
      child.addHook('onClose', closing('nested'))
    })
  }, { service: { name: 'api', dependsOn: ['shared'] } })
  runner.register(defineService({
    name: 'last',
    async init (ctx) { events.push(`last sees shared=${String((ctx.app as unknown as { shared: number }).shared)}`) },
    async stop () { events.push('close last') },
  }))
  await runner.start()
  assert.deepEqual(events, ['load shared', 'load api', 'load nested of api', 'last sees shared=42'])
  events.length = 0
  await runner.stop()
  assert.deepEqual(events, ['close last', 'close nested', 'close api', 'close shared', 'close store'])
  assert.deepEqual(runner.states().map((s) => s.state), ['stopped', 'stopped', 'stopped', 'stopped'])
})

test('services with and without onClose hooks of their own stop in exact reverse order around those hooks', async () => {
  const { runner } = quietRunner()
  const events: string[] = []
  const closing = (label: string) => async () => { events.push(`close ${label}`) }
  const plain = (name: string) => defineService({ name, async stop () { events.push(`stop ${name}`) } })
  runner.register(plain('a'))
  runner.register(plain('b'))
  runner.register(defineService({
    name: 'hooked',
    async init (ctx) {
      // One onClose hook per service, added after init: the service's whole stop (abort, `stop`,
      // the wait for `run`) is over before the hooks its init added run.
      ctx.app.addHook('onClose', async () => { events.push(`close hooked first while ${String(runner.states()[2].state)}`) })
      ctx.app.addHook('onClose', closing('hooked second'))
    },
    async stop () { events.push('stop hooked') },
  }))
  runner.register(plain('c'))
  runner.register(fp(async (app) => { app.addHook('onClose', closing('not a service')) }))
  runner.register(plain('d'))
  runner.register(plain('e'))
  runner.app.addHook('onClose', closing('root, added before start'))
  await runner.start()
  await runner.stop()
  assert.deepEqual(events, [
    'stop e', 'stop d', 'close not a service', 'stop c',
    'stop hooked', 'close hooked second', 'close hooked first while stopped',
    'stop b', 'stop a', 'close root, added before start',
  ])
  assert.ok(runner.states().every((s) => s.state === 'stopped'))
})

test('every transition is timestamped, logged and published on the diagnostics channel', async (t) => {
  const { runner, logs } = quietRunner()
  const published: LifecycleTransition[] = []
  const onMessage = (message: unknown) => { published.push(message as LifecycleTransition) }
  diagnostics.subscribe('fastify-service-runner:lifecycle', onMessage)
  t.after(() => diagnostics.unsubscribe('fastify-service-runner:lifecycle', onMessage))
  assert.equal(lifecycleChannel.name, 'fastify-service-runner:lifecycle')

  runner.register(defineService({ name: 'svc', async init () { await delay(20) /* init that takes time, to measure */ } }))
  assert.equal(runner.states()[0].state, 'registered')
  await runner.start()
  await runner.stop()

  const mine = published.filter((p) => p.service === 'svc')
  assert.deepEqual(mine.map((p) => [p.from, p.to]), [
    [undefined, 'initiating'], ['initiating', 'initiated'], ['initiated', 'starting'],
    ['starting', 'running'], ['running', 'shutting-down'], ['shutting-down', 'stopped'],
  ])
  for (let i = 1; i < mine.length; i++) {
    assert.ok(mine[i].at >= mine[i - 1].at)
    assert.equal(mine[i].duration, mine[i].at - mine[i - 1].at)
  }
  assert.ok(mine[1].duration >= 19, `init lasted at least 20 ms, got ${mine[1].duration}`)
  const snapshot = runner.states()[0]
  assert.equal(snapshot.state, 'stopped')
  assert.deepEqual(snapshot.timeline, mine)

  const logged = logs.messages('service state changed').filter((line) => line.service === 'svc')
  assert.deepEqual(logged.map((line) => line.state), mine.map((p) => p.to))
  const summary = logs.messages('runner started')[0] as { services: Array<{ name: string, init: number, ready: number }> }
  assert.equal(summary.services[0].name, 'svc')
  assert.ok(summary.services[0].init >= 19)
  assert.equal(typeof summary.services[0].ready, 'number')
})

test('ctx and app.service are the same handle, with name, app, log and signal', async () => {
  const { runner, logs } = quietRunner()
  let fromDefinition: unknown
  let fromPlugin: unknown
  let signalAtStop: boolean | undefined
  runner.register(defineService({
    name: 'svc',
    async init (ctx) {
      fromDefinition = ctx
      assert.equal(ctx.app.service, ctx)
      ctx.log.info('hello from svc')
    },
    async stop (ctx) { signalAtStop = ctx.signal.aborted },
  }))
  runner.register(async (app) => { fromPlugin = app.service }, { service: { name: 'plain' } })
  await runner.start()
  assert.equal((fromDefinition as { name: string }).name, 'svc')
  assert.equal((fromPlugin as { name: string }).name, 'plain')
  assert.equal((fromPlugin as { signal: AbortSignal }).signal.aborted, false)
  assert.equal(logs.messages('hello from svc')[0].service, 'svc')
  assert.throws(() => runner.app.service, { code: 'FSR_ERR_NO_SERVICE_CONTEXT' })
  await runner.stop()
  assert.equal(signalAtStop, true)
})

test('run is not awaited, honours ctx.signal, and is awaited after stop', async () => {
  const { runner } = quietRunner()
  const events: string[] = []
  runner.register(defineService({
    name: 'worker',
    async run (ctx) {
      events.push('run started')
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))
      await delay(10) // cleanup after the abort takes a moment
      events.push('run ended')
    },
    async stop () { events.push('stop') },
  }))
  await runner.start()
  assert.deepEqual(events, ['run started'])
  await runner.stop()
  assert.deepEqual(events, ['run started', 'stop', 'run ended'])
  assert.equal(runner.states()[0].state, 'stopped')
})

test('a run that fails after start marks the service failed', async () => {
  const { runner, logs } = quietRunner()
  let fail!: (err: Error) => void
  runner.register(defineService({ name: 'worker', run: () => new Promise((resolve, reject) => { fail = reject }) }))
  await runner.start()
  fail(new Error('queue lost'))
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(runner.states()[0].state, 'failed')
  const line = logs.messages('service state changed').find((l) => l.state === 'failed') as { err: { code: string, message: string } }
  assert.equal(line.err.code, 'FSR_ERR_SERVICE_RUN')
  assert.match(line.err.message, /queue lost/)
  await runner.stop()
  assert.equal(runner.states()[0].state, 'stopped')
})

test('the main server listens on an explicit host and answers routes of services', async () => {
  const logs = captureLogs()
  const runner = createRunner({ server: { port: 0, host: '127.0.0.1' }, signals: false, logger: logs.logger })
  runner.register(async (app) => { app.get('/hello', async () => ({ from: app.service.name })) }, { service: { name: 'api' } })
  await runner.start()
  const address = runner.address
  assert.equal(address?.host, '127.0.0.1')
  const response = await fetch(`http://127.0.0.1:${address?.port}/hello`)
  assert.deepEqual(await response.json(), { from: 'api' })
  await runner.stop()
  assert.equal(runner.app.server.listening, false)
})
