import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Histogram, Registry } from 'prom-client'
import { HistogramSeries, registerHistogram } from '../../../plugins/metrics/histogram.ts'

const BUCKETS = [0.1, 1]

/** The same observations through prom-client's own Histogram and through ours. */
function bothWays (observations: ReadonlyArray<[Record<string, string>, number]>): { theirs: Registry, ours: Registry } {
  const theirs = new Registry()
  const histogram = new Histogram({ name: 'job_seconds', help: 'Job duration', labelNames: ['job', 'kind'], buckets: BUCKETS, registers: [theirs] })
  const ours = new Registry()
  const series = new Map<string, HistogramSeries>()
  registerHistogram(ours, {
    name: 'job_seconds',
    help: 'Job duration',
    buckets: BUCKETS,
    series: () => series.values(),
    reset: () => series.clear(),
  })
  for (const [labels, value] of observations) {
    histogram.observe(labels, value)
    const key = JSON.stringify(labels)
    let one = series.get(key)
    if (one === undefined) series.set(key, one = new HistogramSeries(BUCKETS, labels))
    one.observe(value)
  }
  return { theirs, ours }
}

const OBSERVATIONS: ReadonlyArray<[Record<string, string>, number]> = [
  [{ job: 'a', kind: 'x' }, 0.05],
  [{ job: 'a', kind: 'x' }, 0.1],
  [{ job: 'a', kind: 'x' }, 0.5],
  [{ job: 'b', kind: 'y' }, 2],
]

test('a histogram kept as counts exposes what prom-client\'s Histogram does, as text and as JSON', async () => {
  const { theirs, ours } = bothWays(OBSERVATIONS)
  assert.equal(await ours.metrics(), await theirs.metrics())
  assert.match(await ours.metrics(), /^job_seconds_bucket\{le="0\.1",job="a",kind="x"\} 2$/m, 'le is inclusive, buckets cumulative')
  // Each sample's labels (in name order), value and metric name.
  const json = async (registry: Registry): Promise<unknown[]> => {
    const [metric] = await registry.getMetricsAsJSON()
    return (metric.values as Array<{ labels: object, value: number, metricName?: string }>)
      .map(({ labels, value, metricName }) => ({ labels: Object.fromEntries(Object.entries(labels).sort()), value, metricName }))
  }
  assert.deepEqual(await json(ours), await json(theirs))
})

test('resetMetrics() forgets every series', async () => {
  const { ours } = bothWays(OBSERVATIONS)
  ours.resetMetrics()
  assert.equal(await ours.metrics(), '# HELP job_seconds Job duration\n# TYPE job_seconds histogram\n')
})
