import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import { createRunner, defineService } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

test('an exporter that never answers does not hold the stop: the flush gives up and says so', async (t) => {
  let exports = 0
  const stuck: SpanExporter = {
    export () { exports++ },
    shutdown: () => new Promise<void>(() => {}),
  }
  // The batch processor's own limit on one export (30 s by default) would keep the test's process alive after it.
  process.env.OTEL_BSP_EXPORT_TIMEOUT = '200'
  t.after(() => { delete process.env.OTEL_BSP_EXPORT_TIMEOUT })
  const logs = captureLogs('info')
  const runner = createRunner({ server: false, admin: false, signals: false, logger: logs.logger, shutdown: { timeout: 100 }, telemetry: { tracesExporter: stuck } })
  t.after(() => runner.stop().catch(() => {}))
  runner.register(defineService({ name: 'store', async init (ctx) { ctx.tracer.startSpan('open').end() } }))
  await runner.start()
  await runner.stop()
  assert.ok(exports > 0, 'the flush tried')
  const gaveUp = [...logs.messages('telemetry export did not finish in time'), ...logs.messages('telemetry export failed')]
  assert.ok(gaveUp.length > 0, JSON.stringify(logs.lines))
})
