import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startFixture } from '../../helpers/fixture-process.ts'
import { startOtlpReceiver } from '../../helpers/otlp-receiver.ts'

test('spans of requests sent just before SIGTERM reach the OTLP receiver before the process exits, and the log lines carry their ids', async (t) => {
  const receiver = await startOtlpReceiver(t)
  const fixture = startFixture(t, 'telemetry-server.ts', {
    OTEL_SERVICE_NAME: 'notes-api',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    // Far longer than the test: only the flush at exit can send them.
    OTEL_BSP_SCHEDULE_DELAY: '600000',
    OTEL_METRIC_EXPORT_INTERVAL: '600000',
  })
  const started = await fixture.waitForLine((line) => line.msg === 'runner started')
  const { port } = started.address as { port: number }
  const ids = ['1', '2', '3', '4', '5']
  for (const id of ids) {
    const response = await fetch(`http://127.0.0.1:${port}/notes/${id}`)
    assert.equal(response.status, 200)
    await response.arrayBuffer()
  }
  assert.equal(receiver.spans.length, 0, 'nothing exported before the stop')
  fixture.child.kill('SIGTERM')
  const { code } = await fixture.exited
  assert.equal(code, 0, fixture.describe())

  const requests = receiver.spans.filter((span) => span.name === 'request')
  assert.deepEqual(requests.map((span) => span.attributes['url.path']).sort(), ids.map((id) => `/notes/${id}`), fixture.describe())
  for (const span of requests) {
    assert.equal(span.serviceName, 'notes-api')
    assert.equal(span.attributes['http.route'], '/notes/:id')
    assert.equal(span.attributes['http.request.method'], 'GET')
    assert.equal(span.attributes['http.response.status_code'], 200)
    assert.equal(span.parentSpanId, '', 'a request without traceparent is a root')
  }
  const names = new Set(receiver.spans.map((span) => span.name))
  for (const name of ['boot', 'init notes', 'shutdown', 'drain', 'stop notes']) assert.ok(names.has(name), `${name} among ${[...names].join(', ')}`)
  const shutdown = receiver.spans.find((span) => span.name === 'shutdown')!
  assert.equal(receiver.spans.find((span) => span.name === 'stop notes')!.parentSpanId, shutdown.spanId)
  assert.ok((receiver.requests['/v1/metrics'] ?? 0) > 0, 'the metrics are flushed too')

  // Each "note read" line was written inside its request's span.
  const reads = fixture.lines.filter((line) => line.msg === 'note read')
  assert.equal(reads.length, ids.length)
  for (const line of reads) {
    const request = requests.find((span) => span.traceId === line.trace_id)
    assert.ok(request !== undefined, `trace_id ${String(line.trace_id)} is a request's`)
    assert.match(String(line.span_id), /^[0-9a-f]{16}$/)
  }
  const stopping = fixture.lines.find((line) => line.msg === 'notes stopping')!
  assert.equal(stopping.trace_id, undefined, 'a line outside any span has no trace id')
})
