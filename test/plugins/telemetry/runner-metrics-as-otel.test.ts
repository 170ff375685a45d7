import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AggregationTemporality, InMemoryMetricExporter, type MetricData } from '@opentelemetry/sdk-metrics'
import { createRunner } from '../../../lib/index.ts'
import { failingWorker } from '../../helpers/failing-worker.ts'
import { waitFor } from '../../helpers/fixture-process.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

test('with a metrics exporter the runner\'s own figures are OpenTelemetry metrics of the Prometheus names, exported at the stop', async (t) => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const runner = createRunner({
    server: { port: 0, host: '127.0.0.1' },
    admin: false,
    signals: false,
    logger: captureLogs('silent').logger,
    telemetry: { metricsExporter: exporter },
  })
  t.after(() => runner.stop().catch(() => {}))
  const worker = failingWorker({ async init (ctx) { if (ctx.attempt === 0) ctx.meter.createCounter('jobs').add(3) } })
  runner.register(worker.service)
  await runner.start()
  worker.fail()
  await waitFor(() => worker.lives() === 2 && runner.states()[0].state === 'running')
  await runner.stop()

  const collected = exporter.getMetrics()
  assert.ok(collected.length > 0, 'exported at the stop')
  const last = collected.at(-1)!
  const byScope = (scope: string): MetricData[] => last.scopeMetrics.filter((one) => one.scope.name === scope).flatMap((one) => one.metrics)
  const ours = new Map(byScope('fastify-service-runner').map((metric) => [metric.descriptor.name, metric]))
  for (const name of ['fsr_service_state', 'fsr_service_health', 'fsr_runner_status', 'fsr_runner_ready', 'fsr_http_requests_in_flight', 'fsr_lifecycle_transition_duration_seconds', 'fsr_service_restarts_total', 'fsr_shutdown_drain_seconds']) {
    assert.ok(ours.has(name), `${name} among ${[...ours.keys()].join(', ')}`)
  }
  const restarts = ours.get('fsr_service_restarts_total')!.dataPoints
  assert.deepEqual(restarts.map((point) => [point.attributes, point.value]), [[{ service: 'worker', reason: 'run-failed' }, 1]])
  const status = ours.get('fsr_runner_status')!.dataPoints.find((point) => point.value === 1)
  assert.ok(status !== undefined)
  const jobs = byScope('worker').find((metric) => metric.descriptor.name === 'jobs')
  assert.equal(jobs?.dataPoints[0]?.value, 3, 'ctx.meter is named after the service and exported')
})
