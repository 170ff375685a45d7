// A Prometheus histogram kept as plain counts and turned into samples only when scraped. prom-client's
// Histogram hashes the labels of every observation and copies a bucket object for every new label
// set; here a series is found by its caller (a map lookup, or a closure that holds it) and an
// observation is an increment.
import type { Registry } from 'prom-client'
import { registerScrapedMetric, type Sample } from './scraped-metric.ts'

/** The observations of one label set. */
export class HistogramSeries {
  /**
   * Observations per bucket (not cumulative); the last slot holds those above every bucket. A plain
   * array: a small typed array has a backing store of its own, several times dearer to make.
   */
  readonly counts: number[]
  sum = 0
  count = 0
  readonly labels: Readonly<Record<string, string>>
  readonly #buckets: readonly number[]

  constructor (buckets: readonly number[], labels: Readonly<Record<string, string>>) {
    this.#buckets = buckets
    const counts: number[] = []
    for (let bucket = 0; bucket <= buckets.length; bucket++) counts.push(0)
    this.counts = counts
    this.labels = labels
  }

  observe (value: number): void {
    const buckets = this.#buckets
    let bucket = 0
    while (bucket < buckets.length && value > buckets[bucket]) bucket++
    this.counts[bucket]++
    this.sum += value
    this.count++
  }
}

export interface HistogramDefinition {
  readonly name: string
  readonly help: string
  /** Upper bounds, ascending (`+Inf` is added). */
  readonly buckets: readonly number[]
  /** Every series, in the order they are to be exposed. */
  series (): Iterable<HistogramSeries>
  /** Forgets every series (the registry's resetMetrics()). */
  reset (): void
}

const NO_LABELS = Object.freeze({})

/** Registers a histogram whose series `definition` keeps; it reads them at every scrape. */
export function registerHistogram (registry: Registry, definition: HistogramDefinition): void {
  const { name, help, buckets } = definition
  const bucketName = `${name}_bucket`
  const sumName = `${name}_sum`
  const countName = `${name}_count`
  // The `le` label of each bucket, then of the last one, `+Inf`: shared by every series (numbers, as
  // prom-client gives them in its JSON form).
  const bounds = [...buckets, '+Inf'].map((le) => Object.freeze({ le }))
  // The form prom-client's own histogram gives the registry's text output.
  const samples = (): Sample[] => {
    const values: Sample[] = []
    for (const series of definition.series()) {
      const sharedLabels = series.labels
      let cumulative = 0
      for (let bucket = 0; bucket < bounds.length; bucket++) {
        cumulative += series.counts[bucket]
        values.push({ labels: bounds[bucket], sharedLabels, value: cumulative, metricName: bucketName })
      }
      values.push({ labels: NO_LABELS, sharedLabels, value: series.sum, metricName: sumName })
      values.push({ labels: NO_LABELS, sharedLabels, value: series.count, metricName: countName })
    }
    return values
  }
  registerScrapedMetric(registry, { name, help, type: 'histogram', samples, reset: () => definition.reset() })
}
