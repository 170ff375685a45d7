// The main server's request metrics: the `http_request_duration_seconds` histogram, with the name,
// labels (`method`, `route`, `status_code`), buckets and route options (`config.statsId`,
// `config.disableMetrics`) that fastify-metrics gives it, so dashboards and alerts built on that
// plugin keep working. We collect it ourselves because fastify-metrics adds two hooks to every
// request, reads the route's options four times, times with a closure and hashes the labels on
// every observation: a quarter of a small route's throughput. Here each route gets one onResponse
// hook of its own that knows its label already, Fastify's own clock gives the duration, and an
// observation is a lookup and an increment; the Prometheus series are built at scrape time.
import type { FastifyInstance, RouteOptions, onResponseHookHandler } from 'fastify'
import type { Histogram, Registry } from 'prom-client'

const NAME = 'http_request_duration_seconds'
/** prom-client's default buckets, as fastify-metrics uses them (seconds). */
const BUCKETS = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
/** The `le` label of each bucket, then of the last one, `+Inf`. */
const BOUNDS = Object.freeze([...BUCKETS.map(String), '+Inf'])

interface RouteConfig {
  readonly statsId?: string
  readonly disableMetrics?: boolean
}

/** The observations of one method, route and status code. */
class Series {
  /** Observations per bucket (not cumulative); the last slot holds those above every bucket. */
  readonly counts = new Float64Array(BUCKETS.length + 1)
  sum = 0
  count = 0

  readonly labels: Readonly<Record<string, string>>

  constructor (labels: Readonly<Record<string, string>>) {
    this.labels = labels
  }

  observe (seconds: number): void {
    let bucket = 0
    while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]) bucket++
    this.counts[bucket]++
    this.sum += seconds
    this.count++
  }
}

interface Sample {
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
  readonly metricName: string
}

/**
 * Measures every route of `app` added from now on (services' routes included: the hook is added
 * before any service loads) into a histogram registered on `registry`.
 */
export function collectRequestMetrics (app: FastifyInstance, registry: Registry): void {
  // route label -> method -> status code -> series. Several routes may share a label (statsId).
  const routes = new Map<string, Map<string, Map<number, Series>>>()

  app.addHook('onRoute', (route: RouteOptions) => {
    const config = (route.config ?? {}) as RouteConfig
    if (config.disableMetrics === true) return
    const label = config.statsId ?? route.url
    let methods = routes.get(label)
    if (methods === undefined) routes.set(label, methods = new Map())
    const byMethod = methods
    const observe: onResponseHookHandler = (request, reply, done) => {
      let byStatus = byMethod.get(request.method)
      if (byStatus === undefined) byMethod.set(request.method, byStatus = new Map())
      const status = reply.statusCode
      let series = byStatus.get(status)
      if (series === undefined) {
        series = new Series({ method: request.method, route: label, status_code: String(status) })
        byStatus.set(status, series)
      }
      series.observe(reply.elapsedTime / 1000)
      done()
    }
    const hooks = route.onResponse
    route.onResponse = hooks === undefined ? [observe] : [...(Array.isArray(hooks) ? hooks : [hooks]), observe]
  })

  function samples (): Sample[] {
    const values: Sample[] = []
    for (const methods of routes.values()) {
      for (const byStatus of methods.values()) {
        for (const series of byStatus.values()) {
          let cumulative = 0
          for (let bucket = 0; bucket < BOUNDS.length; bucket++) {
            cumulative += series.counts[bucket]
            values.push({ labels: { le: BOUNDS[bucket], ...series.labels }, value: cumulative, metricName: `${NAME}_bucket` })
          }
          values.push({ labels: series.labels, value: series.sum, metricName: `${NAME}_sum` })
          values.push({ labels: series.labels, value: series.count, metricName: `${NAME}_count` })
        }
      }
    }
    return values
  }

  // What a registry needs of a metric: its name, help and type, its values, and reset().
  const metric = {
    name: NAME,
    help: 'request duration in seconds',
    type: 'histogram',
    aggregator: 'sum',
    get: async () => ({ name: NAME, help: metric.help, type: metric.type, aggregator: metric.aggregator, values: samples() }),
    reset: () => {
      for (const methods of routes.values()) methods.clear()
    },
  }
  registry.registerMetric(metric as unknown as Histogram)
}
