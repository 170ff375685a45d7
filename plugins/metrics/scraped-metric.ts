// A metric whose samples are made when the registry is read (a scrape) and handed to prom-client's
// registry as they are. prom-client's own metrics check and hash the labels of every value set or
// observed; for the per-service series that was half of a scrape with thousands of services.
import type { Metric, Registry } from 'prom-client'

/** One line of the text format, in the form prom-client's registry formats. */
export interface Sample {
  readonly labels: Readonly<Record<string, string | number>>
  /** Labels common to several samples: prom-client formats them once per object, not once per line. */
  readonly sharedLabels?: Readonly<Record<string, string>>
  readonly value: number
  /** The line's name when it is not the metric's (a histogram's `_bucket`, `_sum` and `_count`). */
  readonly metricName?: string
}

export interface ScrapedMetricDefinition {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge' | 'histogram'
  /** Every sample, in the order they are to be exposed. */
  samples (): Sample[]
  /** Forgets what the metric keeps (the registry's resetMetrics()). */
  reset (): void
}

/** Registers a metric whose samples `definition` makes at every read of the registry. */
export function registerScrapedMetric (registry: Registry, definition: ScrapedMetricDefinition): void {
  const { name, help } = definition
  // What a registry needs of a metric: its name, help and type, its values, and reset().
  const metric = {
    name,
    help,
    type: definition.type,
    aggregator: 'sum',
    getForPromString: async () => ({ name, help, type: metric.type, aggregator: metric.aggregator, values: definition.samples() }),
    // The JSON form (registry.getMetricsAsJSON()) has every label on every sample.
    get: async () => ({
      name,
      help,
      type: metric.type,
      aggregator: metric.aggregator,
      values: definition.samples().map(({ labels, sharedLabels, value, metricName }) => ({
        labels: { ...labels, ...sharedLabels },
        value,
        ...(metricName === undefined ? {} : { metricName }),
      })),
    }),
    reset: () => definition.reset(),
  }
  registry.registerMetric(metric as unknown as Metric)
}
