import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Gauge, Registry } from 'prom-client'
import { registerScrapedMetric } from '../../../plugins/metrics/scraped-metric.ts'

const VALUES: ReadonlyArray<[Record<string, string>, number]> = [
  [{ service: 'a', state: 'running' }, 1],
  [{ service: 'b "quoted"\\', state: 'failed' }, 0.5],
]

test('a metric made at scrape time exposes what prom-client\'s Gauge does, as text and as JSON', async () => {
  const theirs = new Registry()
  const gauge = new Gauge({ name: 'job_state', help: 'State of each job', labelNames: ['service', 'state'], registers: [theirs] })
  for (const [labels, value] of VALUES) gauge.set(labels, value)
  const ours = new Registry()
  let reads = 0
  registerScrapedMetric(ours, {
    name: 'job_state',
    help: 'State of each job',
    type: 'gauge',
    samples () {
      reads++
      return VALUES.map(([labels, value]) => ({ labels, value }))
    },
    reset () {},
  })
  assert.equal(await ours.metrics(), await theirs.metrics())
  assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON())
  assert.equal(reads, 2, 'the samples are made at every read')
})

test('resetMetrics() calls the definition\'s reset', () => {
  const registry = new Registry()
  let resets = 0
  registerScrapedMetric(registry, { name: 'x', help: 'x', type: 'counter', samples: () => [], reset () { resets++ } })
  registry.resetMetrics()
  assert.equal(resets, 1)
})
