// Prometheus metrics: each runner owns a prom-client Registry (two runners in one process never
// clash) holding the main server's request metrics, Node.js process metrics and
// the runner's own; services add theirs through `ctx.metrics`; the admin server serves `/metrics`.
import fp from 'fastify-plugin'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { collectDefaultMetrics, Registry } from 'prom-client'
import type { Runner } from '../../types/index.ts'
import type { BuiltinPlugin } from '../../types/builtin-plugin.ts'
import { resolveMetricsOptions, type ResolvedMetricsOptions } from './options.ts'
import { collectRequestMetrics } from './request-metrics.ts'
import { createRunnerMetrics } from './runner-metrics.ts'
import { createTopicMetrics } from './topic-metrics.ts'

/** prom-client default metrics left out: `sum(nodejs_active_handles)` and kin give the same figures. */
export const DROPPED_DEFAULT_METRICS = Object.freeze(['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])

/**
 * The text of registry.metrics(), built one metric at a time with a turn of the event loop before
 * each: registry.metrics() builds it all in one go, which held the main server for a whole scrape.
 */
async function readMetrics (registry: Registry): Promise<string> {
  // OpenMetrics renames counters and ends with `# EOF`: left to prom-client.
  if (registry.contentType !== Registry.PROMETHEUS_CONTENT_TYPE) return registry.metrics()
  const texts: string[] = []
  for (const { name } of registry.getMetricsAsArray()) {
    await nextTurn()
    texts.push(await registry.getSingleMetricAsString(name))
  }
  return `${texts.join('\n\n')}\n`
}

/** GET /metrics on the admin server, in the Prometheus text format. */
export const metricsRoute = fp<{ registry: Registry }>(async (admin, { registry }) => {
  admin.get('/metrics', async (request, reply) => {
    const text = await readMetrics(registry)
    return reply.type(registry.contentType).send(text)
  })
}, { name: 'fsr-metrics', fastify: '5.x', dependencies: ['fsr-admin'] })

/** Creates the runner's registry, gives it to every service as `ctx.metrics`, and fills it. */
export function installMetrics (runner: Runner, options: ResolvedMetricsOptions): Registry {
  const registry = new Registry()
  runner.decorateContext('metrics', registry)
  if (options === false) return registry
  if (options.process) {
    collectDefaultMetrics({ register: registry })
    // Gauges named *_total fail `promtool check metrics`; each is the sum of its by-type gauge.
    for (const name of DROPPED_DEFAULT_METRICS) registry.removeSingleMetric(name)
  }
  // Added to the main app before any service registers, so every route is measured.
  if (options.requests) collectRequestMetrics(runner.app, registry)
  createRunnerMetrics(runner, registry)
  createTopicMetrics(runner, registry)
  runner.admin?.register(metricsRoute, { registry })
  return registry
}

/** The `metrics` runner option, as the package's createRunner composes it (after `admin`). */
export const metricsBuiltin: BuiltinPlugin<ResolvedMetricsOptions> = {
  option: 'metrics',
  resolve: (input, env) => resolveMetricsOptions(input as never, env),
  install: (runner, options) => { installMetrics(runner, options) },
}
