// The main server's request metrics: the `http_request_duration_seconds` histogram, with the name,
// labels (`method`, `route`, `status_code`), buckets and route options (`config.statsId`,
// `config.disableMetrics`) that fastify-metrics gives it, so dashboards and alerts built on that
// plugin keep working. We collect it ourselves because fastify-metrics adds two hooks to every
// request, reads the route's options four times, times with a closure and hashes the labels on
// every observation: a quarter of a small route's throughput. Here each route gets one onResponse
// hook of its own that knows its label already, Fastify's own clock gives the duration, and an
// observation is a lookup and an increment; the Prometheus series are built at scrape time.
import type { FastifyInstance, RouteOptions, onResponseHookHandler } from 'fastify'
import type { Registry } from 'prom-client'
import { HistogramSeries, registerHistogram } from './histogram.ts'

/** prom-client's default buckets, as fastify-metrics uses them (seconds). */
export const REQUEST_DURATION_BUCKETS = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
const BUCKETS = REQUEST_DURATION_BUCKETS
/** Methods fastify-metrics does not measure by default (its `methodBlacklist`), Fastify's automatic HEAD routes included. */
const UNMEASURED_METHODS: ReadonlySet<string> = new Set(['HEAD', 'OPTIONS', 'TRACE', 'CONNECT'])

interface RouteConfig {
  readonly statsId?: string
  readonly disableMetrics?: boolean
}

/**
 * Measures every route of `app` added from now on (services' routes included: the hook is added
 * before any service loads) into a histogram registered on `registry`.
 */
export function collectRequestMetrics (app: FastifyInstance, registry: Registry): void {
  // route label -> method -> status code -> series. Several routes may share a label (statsId).
  const routes = new Map<string, Map<string, Map<number, HistogramSeries>>>()

  app.addHook('onRoute', (route: RouteOptions) => {
    const config = (route.config ?? {}) as RouteConfig
    if (config.disableMetrics === true) return
    const methods = typeof route.method === 'string' ? [route.method] : route.method
    const unmeasured = methods.filter((method) => UNMEASURED_METHODS.has(method.toUpperCase())).length
    if (unmeasured === methods.length) return
    // A route of several methods, some of them unmeasured: the request's method decides.
    const isMixed = unmeasured > 0
    const label = config.statsId ?? route.url
    const byMethod = routes.get(label) ?? new Map<string, Map<number, HistogramSeries>>()
    routes.set(label, byMethod)
    const observe: onResponseHookHandler = (request, reply, done) => {
      if (isMixed && UNMEASURED_METHODS.has(request.method)) return done()
      let byStatus = byMethod.get(request.method)
      if (byStatus === undefined) byMethod.set(request.method, byStatus = new Map())
      const status = reply.statusCode
      let series = byStatus.get(status)
      if (series === undefined) {
        series = new HistogramSeries(BUCKETS, { method: request.method, route: label, status_code: String(status) })
        byStatus.set(status, series)
      }
      series.observe(reply.elapsedTime / 1000)
      done()
    }
    const hooks = route.onResponse
    route.onResponse = hooks === undefined ? [observe] : [...(Array.isArray(hooks) ? hooks : [hooks]), observe]
  })

  registerHistogram(registry, {
    name: 'http_request_duration_seconds',
    help: 'request duration in seconds',
    buckets: BUCKETS,
    * series () {
      for (const methods of routes.values()) {
        for (const byStatus of methods.values()) yield * byStatus.values()
      }
    },
    reset () {
      for (const methods of routes.values()) methods.clear()
    },
  })
}
