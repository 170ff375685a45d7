// Telemetry: the OpenTelemetry SDK configured from the standard OTEL_* variables (and the `telemetry`
// option), @fastify/otel on the main server, a tracer and a meter per service (`ctx.tracer`,
// `ctx.meter`), the lifecycle as spans, trace ids in the log lines, and a flush before the process
// exits. Without an exporter the SDK is never loaded: tracers and meters are no-ops, no span is made.
import type { FastifyOtelInstrumentation } from '@fastify/otel'
import { context, createNoopMeter, ProxyTracerProvider, trace, type TracerProvider } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createRequire } from 'node:module'
import type { Runner } from '../../types/index.ts'
import type { BuiltinPlugin } from '../../types/builtin-plugin.ts'
import { LifecycleSpans } from './lifecycle-spans.ts'
import { RunnerMetrics } from './runner-metrics.ts'
import { isExporting, resolveTelemetryOptions, type ResolvedTelemetry, type ResolvedTelemetryOptions } from './options.ts'
import type { TelemetrySdk } from './sdk.ts'

/** The instrumentation scope of the runner's own spans. */
export const RUNNER_SCOPE = 'fastify-service-runner'
/** A shutdown that used up its deadline still gets this long to send the spans that show why, ms. */
const FLUSH_FLOOR = 1_000
/** The flush of a runner whose start failed before its shutdown began (no deadline yet), ms. */
const FLUSH_WITHOUT_SHUTDOWN = 10_000
/** Longest wait for the flush before an upgrade starts the new process, ms. */
const UPGRADE_FLUSH = 5_000
// A proxy with no delegate hands out no-op tracers.
const NOOP_TRACERS: TracerProvider = new ProxyTracerProvider()
const NOOP_METER = createNoopMeter()

/** pino mixin: the ids of the span a line is written in, as @opentelemetry/instrumentation-pino names them. */
function traceFields (): object {
  const span = trace.getSpan(context.active())
  // A new object each time: pino merges the line's own fields into it.
  if (span === undefined) return {}
  const { traceId, spanId, traceFlags } = span.spanContext()
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` }
}

const require = createRequire(import.meta.url)
/** Stands for @fastify/otel in the plugin tree, so that `hasPlugin('@fastify/otel')` and `dependencies` see it. */
const otelPresent = fp(async () => {}, { name: '@fastify/otel', fastify: '5.x' })

/**
 * Applies @fastify/otel to `instance` at once, as the library does itself for
 * `registerOnInitialization` (not used: it would instrument every Fastify instance, the admin
 * server's too). Applied before any other plugin, its onRoute hook runs first: the hooks the
 * built-ins add to routes afterwards (request metrics) are not traced, the services' own are.
 * Its tracer provider is set once the SDK is loaded.
 */
function traceRequests (instance: FastifyInstance): FastifyOtelInstrumentation {
  const { FastifyOtelInstrumentation: Instrumentation } = require('@fastify/otel') as typeof import('@fastify/otel')
  const instrumentation = new Instrumentation()
  instrumentation.plugin()(instance, {}, () => {})
  instance.register(otelPresent)
  return instrumentation
}

/** Adds the SDK, request tracing, the context fields and the lifecycle spans to a runner with nothing registered yet. */
export function installTelemetry (runner: Runner, options: ResolvedTelemetryOptions): void {
  if (!isExporting(options)) {
    // No-ops keep no name: every service shares them.
    runner.decorateContext('tracer', NOOP_TRACERS.getTracer(RUNNER_SCOPE))
    runner.decorateContext('meter', NOOP_METER)
    return
  }
  const log = runner.app.log.child({ plugin: 'telemetry' })
  let sdk: TelemetrySdk | undefined
  let spans: LifecycleSpans | undefined
  let figures: RunnerMetrics | undefined
  let deadline: number | undefined
  // On the main server before anything else, so that every route is traced (the services' too).
  const requests = options.tracesExporter === undefined ? undefined : traceRequests(runner.app)
  // Made at each service's first start, after beforeStart loaded the SDK.
  runner.decorateContextPerService('tracer', (service) => (sdk?.tracerProvider ?? NOOP_TRACERS).getTracer(service))
  runner.decorateContextPerService('meter', (service) => sdk?.meterProvider?.getMeter(service) ?? NOOP_METER)

  runner.addHook('beforeStart', async () => {
    sdk = await (await import('./sdk.ts')).startSdk(options, log)
    const { tracerProvider, meterProvider } = sdk
    if (meterProvider !== undefined) figures = new RunnerMetrics(runner, meterProvider.getMeter(RUNNER_SCOPE))
    if (tracerProvider === undefined) return
    spans = new LifecycleSpans(tracerProvider.getTracer(RUNNER_SCOPE))
    spans.beginBoot()
    requests?.setTracerProvider(tracerProvider)
    // The admin server has not loaded its routes yet: they are traced too.
    if (options.traceAdmin && runner.admin !== undefined) traceRequests(runner.admin).setTracerProvider(tracerProvider)
    log.debug({ traces: describeExporter(options.tracesExporter), metrics: describeExporter(options.metricsExporter) }, 'telemetry started')
  })
  runner.app.addHook('onReady', async () => { spans?.endBoot() })
  runner.addHook('onTransition', (transition) => {
    spans?.onTransition(transition)
    figures?.onTransition(transition)
  })
  runner.addHook('onRestart', (event) => {
    spans?.onRestart(event)
    figures?.onRestart(event)
  })
  runner.addHook('onDrain', (drain) => {
    spans?.drained(drain)
    figures?.onDrain(drain)
  })
  runner.addHook('onHealthCheck', (service, duration, isFailure) => figures?.onHealthCheck(service, duration, isFailure))
  // What this generation made so far is out before the next one starts.
  runner.addHook('beforeUpgrade', async () => {
    spans?.beginUpgrade()
    await sdk?.flush(UPGRADE_FLUSH)
  })
  runner.addHook('onUpgrade', (outcome) => spans?.endUpgrade(outcome))
  runner.addHook('onShutdown', ({ timeout }) => {
    deadline = performance.now() + timeout
    spans?.beginShutdown()
  })
  // Added first of the built-ins, so it runs last of all: the drain and stop spans are ended by then.
  runner.addHook('afterStop', async () => {
    spans?.endShutdown()
    await sdk?.shutdown(deadline === undefined ? FLUSH_WITHOUT_SHUTDOWN : Math.max(FLUSH_FLOOR, deadline - performance.now()))
  })
}

function describeExporter (exporter: ResolvedTelemetry['tracesExporter'] | ResolvedTelemetry['metricsExporter']): string {
  return exporter === undefined ? 'none' : typeof exporter === 'string' ? exporter : 'custom'
}

/** The `telemetry` runner option, as the package's createRunner composes it (first, so its flush comes last). */
export const telemetryBuiltin: BuiltinPlugin<ResolvedTelemetryOptions> = {
  option: 'telemetry',
  resolve: (input, env) => resolveTelemetryOptions(input as never, env),
  install: (runner, options) => { installTelemetry(runner, options) },
  logMixin: (options) => isExporting(options) && options.tracesExporter !== undefined ? traceFields : undefined,
}
