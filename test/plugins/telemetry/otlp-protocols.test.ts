import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'
import { startOtlpReceiver } from '../../helpers/otlp-receiver.ts'

async function runOnce (t: TestContext, telemetry: Record<string, unknown>): Promise<ReturnType<typeof captureLogs>> {
  const logs = captureLogs('warn')
  const runner = createRunner({ server: false, admin: false, signals: false, logger: logs.logger, shutdown: { timeout: 2_000 }, telemetry })
  t.after(() => runner.stop().catch(() => {}))
  runner.register(defineService({ name: 'store', async init (ctx) { ctx.tracer.startSpan('open pool').end() } }))
  await runner.start()
  await runner.stop()
  return logs
}

test('http/protobuf and http/json export to the endpoint given as an option', async (t) => {
  const receiver = await startOtlpReceiver(t)
  await runOnce(t, { endpoint: receiver.endpoint, metricsExporter: 'none' })
  assert.ok(receiver.spans.some((span) => span.name === 'open pool'))
  await runOnce(t, { endpoint: `${receiver.endpoint}/`, protocol: 'http/json', metricsExporter: 'none' })
  assert.ok(receiver.jsonSpanNames.includes('open pool'), receiver.jsonSpanNames.join(', '))
})

test('grpc loads its exporters; with no collector there the stop still ends, the failed export logged', async (t) => {
  // Port 9 (discard): nothing listens there on a test machine.
  const logs = await runOnce(t, { endpoint: 'http://127.0.0.1:9', protocol: 'grpc', metricsExporter: 'otlp', metricInterval: 60_000 })
  const failed = logs.lines.filter((line) => line.msg === 'telemetry export failed' || line.msg === 'telemetry export did not finish in time')
  assert.ok(failed.length > 0, JSON.stringify(logs.lines))
  assert.ok(logs.lines.every((line) => line.msg !== 'runner hook failed'), JSON.stringify(logs.lines))
})
