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
 * Node.js process metrics, collected once per process (per content type) into a registry of their
 * own that every runner's /metrics serves after its own. prom-client cannot stop collecting them
 * (its GC observer and event-loop monitor live on), so collected into each runner's registry they
 * kept every stopped runner in memory, and every monitor running.
 */
const processRegistries = new Map<string, Registry>()

function processMetrics (contentType: Registry['contentType']): Registry {
  let registry = processRegistries.get(contentType)
  if (registry === undefined) {
    registry = new Registry()
    registry.setContentType(contentType)
    collectDefaultMetrics({ register: registry })
    // Gauges named *_total fail `promtool check metrics`; each is the sum of its by-type gauge.
    for (const name of DROPPED_DEFAULT_METRICS) registry.removeSingleMetric(name)
    processRegistries.set(contentType, registry)
  }
  return registry
}

/**
 * The text of the runner's registry, then of the process metrics when it serves them, built one
 * metric at a time with a turn of the event loop before each: registry.metrics() builds it all in
 * one go, which held the main server for a whole scrape.
 */
async function readMetrics (registry: Registry, withProcess: boolean): Promise<string> {
  const registries = withProcess ? [registry, processMetrics(registry.contentType)] : [registry]
  // OpenMetrics renames counters and ends with `# EOF`: left to prom-client.
  if (registry.contentType !== Registry.PROMETHEUS_CONTENT_TYPE) return Registry.merge(registries).metrics()
  const texts: string[] = []
  for (const each of registries) {
    for (const { name } of each.getMetricsAsArray()) {
      await nextTurn()
      texts.push(await each.getSingleMetricAsString(name))
    }
  }
  return `${texts.join('\n\n')}\n`
}

/** GET /metrics on the admin server, in the Prometheus text format. */
export const metricsRoute = fp<{ registry: Registry, withProcess: boolean }>(async (admin, { registry, withProcess }) => {
  admin.get('/metrics', async (request, reply) => {
    const text = await readMetrics(registry, withProcess)
    return reply.type(registry.contentType).send(text)
  })
}, { name: 'fsr-metrics', fastify: '5.x', dependencies: ['fsr-admin'] })

/** Creates the runner's registry, gives it to every service as `ctx.metrics`, and fills it. */
export function installMetrics (runner: Runner, options: ResolvedMetricsOptions): Registry {
  const registry = new Registry()
  runner.decorateContext('metrics', registry)
  if (options === false) return registry
  // Made at once, not at the first scrape: the GC and event-loop figures count from the start.
  if (options.process) processMetrics(registry.contentType)
  // Added to the main app before any service registers, so every route is measured.
  if (options.requests) collectRequestMetrics(runner.app, registry)
  createRunnerMetrics(runner, registry)
  createTopicMetrics(runner, registry)
  runner.admin?.register(metricsRoute, { registry, withProcess: options.process })
  return registry
}

/** The `metrics` runner option, as the package's createRunner composes it (after `admin`). */
export const metricsBuiltin: BuiltinPlugin<ResolvedMetricsOptions> = {
  option: 'metrics',
  resolve: (input, env) => resolveMetricsOptions(input as never, env),
  install: (runner, options) => { installMetrics(runner, options) },
}
