// The OpenTelemetry SDK as the resolved options describe it: a tracer provider with a batch span
// processor, a meter provider with a periodic reader, and the global context manager and propagator
// that in-process context and `traceparent` need. Imported only when an exporter is set, so a program
// without telemetry never loads the SDK; each exporter's package is imported only when chosen.
import { context, propagation, trace, type TextMapPropagator } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { detectResources, hostDetector, osDetector, processDetector, resourceFromAttributes, serviceInstanceIdDetector, type Resource, type ResourceDetector } from '@opentelemetry/resources'
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics'
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { ResolvedTelemetry } from './options.ts'

export interface TelemetrySdk {
  readonly tracerProvider: BasicTracerProvider | undefined
  readonly meterProvider: MeterProvider | undefined
  /** Exports what is buffered; resolves (never rejects) when done or after `ms`. */
  flush (ms: number): Promise<void>
  /** Flushes, shuts the providers down and gives back the globals this SDK registered. */
  shutdown (ms: number): Promise<void>
}

const DETECTORS: Readonly<Record<ResolvedTelemetry['resourceDetectors'][number], ResourceDetector>> = {
  host: hostDetector,
  os: osDetector,
  process: processDetector,
  serviceinstance: serviceInstanceIdDetector,
}

/** What the detectors find, under the attributes of the options and OTEL_RESOURCE_ATTRIBUTES (which win). */
async function createResource (options: ResolvedTelemetry): Promise<Resource> {
  const detected = detectResources({ detectors: options.resourceDetectors.map((name) => DETECTORS[name]) })
  await detected.waitForAsyncAttributes?.()
  return detected.merge(resourceFromAttributes({ ...options.resourceAttributes, 'service.name': options.serviceName }))
}

function createSampler ({ sampler, samplerArg }: ResolvedTelemetry): Sampler {
  switch (sampler) {
    case 'always_on': return new AlwaysOnSampler()
    case 'always_off': return new AlwaysOffSampler()
    case 'traceidratio': return new TraceIdRatioBasedSampler(samplerArg)
    case 'parentbased_always_off': return new ParentBasedSampler({ root: new AlwaysOffSampler() })
    case 'parentbased_traceidratio': return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerArg) })
    default: return new ParentBasedSampler({ root: new AlwaysOnSampler() })
  }
}

/** The OTLP URL of one signal for an explicit endpoint; undefined lets the exporter read its variables. */
function urlOf (options: ResolvedTelemetry, signal: 'traces' | 'metrics'): { url?: string } {
  if (options.endpoint === undefined) return {}
  if (options.protocol === 'grpc') return { url: options.endpoint }
  return { url: `${options.endpoint.replace(/\/+$/, '')}/v1/${signal}` }
}

async function createSpanExporter (options: ResolvedTelemetry): Promise<SpanExporter | undefined> {
  const { tracesExporter } = options
  if (tracesExporter === undefined) return undefined
  if (typeof tracesExporter === 'object') return tracesExporter
  if (tracesExporter === 'console') return new (await import('@opentelemetry/sdk-trace-base')).ConsoleSpanExporter()
  const config = urlOf(options, 'traces')
  switch (options.protocol) {
    case 'grpc': return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter(config)
    case 'http/json': return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(config)
    default: return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(config)
  }
}

async function createMetricExporter (options: ResolvedTelemetry): Promise<PushMetricExporter | undefined> {
  const { metricsExporter } = options
  if (metricsExporter === undefined) return undefined
  if (typeof metricsExporter === 'object') return metricsExporter
  if (metricsExporter === 'console') return new (await import('@opentelemetry/sdk-metrics')).ConsoleMetricExporter()
  const config = urlOf(options, 'metrics')
  switch (options.protocol) {
    case 'grpc': return new (await import('@opentelemetry/exporter-metrics-otlp-grpc')).OTLPMetricExporter(config)
    case 'http/json': return new (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter(config)
    default: return new (await import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter(config)
  }
}

/** Resolves after `work` settles or `ms` passed, whichever is first; never rejects (a failure is logged). */
async function bounded (work: Promise<unknown>, ms: number, log: Logger, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(resolve, ms, 'timeout') })
  try {
    if (await Promise.race([work, timeout]) === 'timeout') log.warn({ ms, step: what }, 'telemetry export did not finish in time')
  } catch (err) {
    log.warn({ err, step: what }, 'telemetry export failed')
  } finally {
    clearTimeout(timer)
  }
}

/** Builds the providers; registers the globals that nobody registered before (and only those). */
export async function startSdk (options: ResolvedTelemetry, log: Logger): Promise<TelemetrySdk> {
  const resource = await createResource(options)
  const spanExporter = await createSpanExporter(options)
  const metricExporter = await createMetricExporter(options)
  const tracerProvider = spanExporter === undefined
    ? undefined
    : new BasicTracerProvider({ resource, sampler: createSampler(options), spanProcessors: [new BatchSpanProcessor(spanExporter)] })
  const meterProvider = metricExporter === undefined
    ? undefined
    : new MeterProvider({ resource, readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: options.metricInterval })] })

  // Process-wide, as any OpenTelemetry SDK: what a program's own SDK (its --import) set stays.
  const owned: Array<() => void> = []
  if (tracerProvider !== undefined) {
    if (context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())) owned.push(() => context.disable())
    // None: the API's own no-op stays, and nothing is read from requests nor sent on.
    if (options.propagators.length > 0) {
      const propagators: TextMapPropagator[] = options.propagators.map((name) => name === 'tracecontext' ? new W3CTraceContextPropagator() : new W3CBaggagePropagator())
      if (propagation.setGlobalPropagator(new CompositePropagator({ propagators }))) owned.push(() => propagation.disable())
    }
    // Other instrumentations the program loaded (pg, undici) report to the global provider.
    if (trace.setGlobalTracerProvider(tracerProvider)) owned.push(() => trace.disable())
    else log.info('a tracer provider was registered already: the runner exports its own spans apart')
  }

  const flush = async (ms: number): Promise<void> => {
    await Promise.all([
      tracerProvider === undefined ? undefined : bounded(tracerProvider.forceFlush(), ms, log, 'flush of spans'),
      meterProvider === undefined ? undefined : bounded(meterProvider.forceFlush(), ms, log, 'flush of metrics'),
    ])
  }
  return {
    tracerProvider,
    meterProvider,
    flush,
    async shutdown (ms) {
      const begin = performance.now()
      await flush(ms)
      const left = Math.max(0, ms - (performance.now() - begin))
      await Promise.all([
        tracerProvider === undefined ? undefined : bounded(tracerProvider.shutdown(), left, log, 'shutdown of traces'),
        meterProvider === undefined ? undefined : bounded(meterProvider.shutdown(), left, log, 'shutdown of metrics'),
      ])
      for (const release of owned) release()
    },
  }
}
