import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { createRunner, defineService, type Runner, type RunnerOptions } from '../../../lib/index.ts'
import { waitFor } from '../../helpers/fixture-process.ts'
import { failingWorker } from '../../helpers/failing-worker.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

/** Keeps its spans when the SDK shuts down (the in-memory exporter forgets them then). */
class KeptSpans extends InMemorySpanExporter {
  override shutdown (): Promise<void> { return Promise.resolve() }
}

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const PARENT_ID = 'b7ad6b7169203331'

function tracedRunner (t: TestContext, exporter: KeptSpans, more: RunnerOptions = {}): Runner {
  const runner = createRunner({
    server: { port: 0, host: '127.0.0.1' },
    admin: { port: 0 },
    signals: false,
    logger: captureLogs('silent').logger,
    telemetry: { tracesExporter: exporter },
    ...more,
  })
  t.after(() => runner.stop().catch(() => {}))
  return runner
}

function named (spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const span = spans.find((one) => one.name === name)
  assert.ok(span !== undefined, `no span "${name}" among ${spans.map((one) => one.name).join(', ')}`)
  return span
}

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId

test('a request to a service\'s route is a server span with its route, method and status, child of an incoming traceparent', async (t) => {
  const exporter = new KeptSpans()
  const runner = tracedRunner(t, exporter)
  runner.register(defineService({
    name: 'notes',
    async init (ctx) {
      ctx.app.addHook('onRequest', async function authenticate () {})
      ctx.app.get('/notes/:id', async (request) => {
        // A span of the service's own, made inside the request.
        ctx.tracer.startActiveSpan('load note', (span) => span.end())
        return { id: (request.params as { id: string }).id }
      })
    },
  }))
  await runner.start()
  const { port } = runner.address!
  const response = await fetch(`http://127.0.0.1:${port}/notes/7`, { headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } })
  assert.equal(response.status, 200)
  assert.equal((await fetch(`http://127.0.0.1:${port}/missing`)).status, 404)
  await runner.stop()

  const spans = exporter.getFinishedSpans()
  const request = spans.find((span) => span.name === 'request' && span.attributes['http.route'] === '/notes/:id')
  assert.ok(request !== undefined, spans.map((span) => `${span.name} ${JSON.stringify(span.attributes)}`).join('\n'))
  assert.equal(request.kind, SpanKind.SERVER)
  assert.equal(request.attributes['http.request.method'], 'GET')
  assert.equal(request.attributes['http.response.status_code'], 200)
  assert.equal(request.spanContext().traceId, TRACE_ID, 'the incoming trace is continued')
  assert.equal(parentOf(request), PARENT_ID)
  const own = named(spans, 'load note')
  assert.equal(own.spanContext().traceId, TRACE_ID, 'ctx.tracer spans nest in the request')
  assert.equal(own.instrumentationScope.name, 'notes', 'ctx.tracer is named after the service')
  // The request's children: the service's own hook and the handler; nothing of the built-ins (request metrics, pressure).
  const children = spans.filter((span) => parentOf(span) === request.spanContext().spanId).map((span) => span.name.split(' - ')[0])
  assert.deepEqual(children.sort(), ['handler', 'onRequest'])
  assert.ok(spans.some((span) => span.name === 'onRequest - authenticate'))
  const missing = spans.find((span) => span.name === 'request' && span.attributes['http.response.status_code'] === 404)
  assert.ok(missing !== undefined, 'a 404 is traced too')
  assert.notEqual(missing.spanContext().traceId, TRACE_ID)
})

test('admin, health and metrics requests make no span at all', async (t) => {
  const exporter = new KeptSpans()
  const runner = tracedRunner(t, exporter)
  runner.register(async (app) => { app.get('/', async () => 'main') }, { service: { name: 'api' } })
  await runner.start()
  const before = new Set(exporter.getFinishedSpans())
  const admin = runner.admin!.server.address() as { port: number }
  for (const path of ['/health', '/health/live', '/health/ready', '/ready', '/metrics', '/services', '/nowhere']) {
    const response = await fetch(`http://127.0.0.1:${admin.port}${path}`, { headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } })
    await response.arrayBuffer()
  }
  await runner.stop()
  const made = exporter.getFinishedSpans().filter((span) => !before.has(span))
  const strays = made.filter((span) => span.attributes['url.path'] !== undefined || span.spanContext().traceId === TRACE_ID || span.attributes['http.route'] !== undefined)
  assert.deepEqual(strays.map((span) => span.name), [], 'no request span, root or orphan, for an admin path')
})

test('traceAdmin traces the admin server too', async (t) => {
  const exporter = new KeptSpans()
  const runner = tracedRunner(t, exporter, { telemetry: { tracesExporter: exporter, traceAdmin: true } })
  await runner.start()
  const admin = runner.admin!.server.address() as { port: number }
  await (await fetch(`http://127.0.0.1:${admin.port}/health/live`)).arrayBuffer()
  await runner.stop()
  const request = exporter.getFinishedSpans().find((span) => span.name === 'request')
  assert.equal(request?.attributes['url.path'], '/health/live')
})

test('the boot is one trace with a child per service\'s init and ready; the shutdown one with the drain and each stop', async (t) => {
  const exporter = new KeptSpans()
  const runner = tracedRunner(t, exporter)
  runner.register(defineService({ name: 'store', async init () {}, async stop () {} }))
  runner.register(defineService({ name: 'cache', dependsOn: ['store'], async init () {}, async ready () { return true } }))
  runner.register(defineService({ name: 'broken-stop', async stop () { throw new Error('cannot close') } }))
  await runner.start()
  await runner.stop().catch(() => {})

  const spans = exporter.getFinishedSpans()
  const boot = named(spans, 'boot')
  assert.equal(parentOf(boot), undefined, 'boot is a root span')
  for (const name of ['init store', 'ready store', 'init cache', 'ready cache']) {
    const child = named(spans, name)
    assert.equal(parentOf(child), boot.spanContext().spanId, `${name} is a child of boot`)
    assert.equal(child.spanContext().traceId, boot.spanContext().traceId)
  }
  assert.equal(named(spans, 'init cache').attributes['fsr.service'], 'cache')
  const shutdown = named(spans, 'shutdown')
  assert.equal(parentOf(shutdown), undefined)
  for (const name of ['drain', 'stop store', 'stop cache', 'stop broken-stop']) {
    assert.equal(parentOf(named(spans, name)), shutdown.spanContext().spanId, `${name} is a child of shutdown`)
  }
  const broken = named(spans, 'stop broken-stop')
  assert.equal(broken.status.code, SpanStatusCode.ERROR)
  assert.match(broken.status.message ?? '', /cannot close/)
  assert.equal(named(spans, 'stop store').status.code, SpanStatusCode.UNSET)
})

test('a failed start ends the boot span with an error, and the failing init with its exception', async (t) => {
  const exporter = new KeptSpans()
  const runner = tracedRunner(t, exporter, { server: false })
  runner.register(defineService({ name: 'store', async init () { throw new Error('no database') } }))
  await assert.rejects(runner.start(), { code: 'FSR_ERR_SERVICE_START' })
  const spans = exporter.getFinishedSpans()
  const boot = named(spans, 'boot')
  assert.equal(boot.status.code, SpanStatusCode.ERROR)
  const init = named(spans, 'init store')
  assert.equal(init.status.code, SpanStatusCode.ERROR)
  assert.match(init.status.message ?? '', /no database/)
  assert.equal(init.events[0]?.name, 'exception')
  assert.equal(parentOf(init), boot.spanContext().spanId)
})

test('a restart is a trace of its own, with the stop and the new init of the service as children', async (t) => {
  const exporter = new KeptSpans()
  const runner = tracedRunner(t, exporter, { server: false })
  const worker = failingWorker()
  runner.register(worker.service)
  await runner.start()
  worker.fail()
  await waitFor(() => worker.lives() === 2 && runner.states()[0].state === 'running')
  await runner.stop()

  const spans = exporter.getFinishedSpans()
  const restart = named(spans, 'restart worker')
  assert.equal(parentOf(restart), undefined)
  assert.equal(restart.attributes['fsr.restart.reason'], 'run-failed')
  assert.equal(restart.attributes['fsr.restart.attempt'], 1)
  const children = spans.filter((span) => parentOf(span) === restart.spanContext().spanId).map((span) => span.name)
  assert.ok(children.includes('stop worker'), children.join(', '))
  assert.ok(children.includes('init worker'), children.join(', '))
  assert.ok(children.includes('ready worker'), children.join(', '))
})

test('ctx.tracer is named after the service; the resource has the service name, the attributes and what the detectors found', async (t) => {
  const exporter = new KeptSpans()
  const runner = tracedRunner(t, exporter, { server: false, telemetry: { tracesExporter: exporter, serviceName: 'mail', resourceAttributes: { team: 'post' }, resourceDetectors: ['host'] } })
  runner.register(defineService({
    name: 'mailer',
    async init (ctx) { ctx.tracer.startSpan('send').end() },
  }))
  await runner.start()
  await runner.stop()
  const send = named(exporter.getFinishedSpans(), 'send')
  assert.equal(send.instrumentationScope.name, 'mailer')
  const { attributes } = send.resource
  assert.equal(attributes['service.name'], 'mail')
  assert.equal(attributes.team, 'post')
  assert.equal(typeof attributes['host.name'], 'string', 'the host detector ran')
  assert.equal(attributes['process.pid'], undefined, 'the process detector did not')
})

test('propagators: [] (OTEL_PROPAGATORS=none) reads no incoming trace context: a request is a root span', async (t) => {
  const exporter = new KeptSpans()
  const runner = tracedRunner(t, exporter, { telemetry: { tracesExporter: exporter, propagators: [] } })
  runner.register(async (app) => { app.get('/', async () => 'main') }, { service: { name: 'api' } })
  await runner.start()
  const response = await fetch(`http://127.0.0.1:${runner.address!.port}/`, { headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } })
  await response.text()
  await runner.stop()
  const request = exporter.getFinishedSpans().find((span) => span.name === 'request')
  assert.ok(request !== undefined)
  assert.notEqual(request.spanContext().traceId, TRACE_ID)
  assert.equal(parentOf(request), undefined)
})
