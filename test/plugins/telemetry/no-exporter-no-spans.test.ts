import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { createRunner, defineService, type ServiceContext } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

const OTEL_VARIABLES = Object.keys(process.env).filter((name) => name.startsWith('OTEL_'))

test('without an exporter the SDK is not loaded: no request instrumentation, ctx.tracer and ctx.meter are no-ops', async (t) => {
  assert.deepEqual(OTEL_VARIABLES, [], 'the test runs without OTEL_* variables')
  const runner = createRunner({ server: { port: 0, host: '127.0.0.1' }, admin: false, signals: false, logger: captureLogs('silent').logger })
  t.after(() => runner.stop().catch(() => {}))
  let seen: ServiceContext | undefined
  runner.register(defineService({
    name: 'api',
    async init (ctx) {
      seen = ctx
      ctx.app.get('/', async () => 'ok')
    },
  }))
  await runner.start()
  assert.equal(runner.app.hasPlugin('@fastify/otel'), false, 'no hook on the request path')
  assert.equal((await runner.app.inject('/')).statusCode, 200)
  const span = seen!.tracer.startSpan('work')
  assert.equal(span.isRecording(), false)
  span.end()
  const counter = seen!.meter.createCounter('jobs')
  counter.add(1)
  assert.ok(loadedModules().some((path) => path.includes('/node_modules/fastify/')), 'the module list is read')
  assert.deepEqual(loadedModules().filter((path) => /@opentelemetry\/sdk-|@fastify\/otel/.test(path)), [], 'the SDK was never loaded')
})

test('with an exporter, @fastify/otel is on the main server', async (t) => {
  const runner = createRunner({ server: { port: 0, host: '127.0.0.1' }, admin: false, signals: false, logger: captureLogs('silent').logger, telemetry: { tracesExporter: 'console', sampler: 'always_off' } })
  t.after(() => runner.stop().catch(() => {}))
  await runner.start()
  assert.equal(runner.app.hasPlugin('@fastify/otel'), true)
  assert.ok(loadedModules().some((path) => path.includes('@opentelemetry/sdk-trace')), 'the module list shows the SDK once loaded')
})

test('OTEL_SDK_DISABLED=true turns telemetry off whatever the options', async (t) => {
  process.env.OTEL_SDK_DISABLED = 'true'
  t.after(() => { delete process.env.OTEL_SDK_DISABLED })
  const runner = createRunner({ server: { port: 0, host: '127.0.0.1' }, admin: false, signals: false, logger: captureLogs('silent').logger, telemetry: { tracesExporter: 'console' } })
  t.after(() => runner.stop().catch(() => {}))
  await runner.start()
  assert.equal(runner.app.hasPlugin('@fastify/otel'), false)
})

/** Paths of the CommonJS modules loaded so far (the SDK's packages are CommonJS, as Fastify is). */
function loadedModules (): string[] {
  return Object.keys(createRequire(import.meta.url).cache)
}
