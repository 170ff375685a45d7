// Options of the built-in plugins (admin, metrics, debug, pressure, telemetry): types only.
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'

/**
 * Thresholds of the main server's load shedding (judged as `@fastify/under-pressure` judges them); `0` turns one off.
 * Over a threshold the main server answers 503 with `Retry-After`, and the `process` health entry is
 * `unhealthy`; above 90 % of one it is `degraded`.
 */
export interface PressureOptions {
  /** Mean event-loop delay, ms. Default: `1 000`, env `FSR_PRESSURE_MAX_EVENT_LOOP_DELAY`. */
  readonly maxEventLoopDelay?: number
  /** Heap used, bytes. Default: `0` (off), env `FSR_PRESSURE_MAX_HEAP_USED_BYTES`. */
  readonly maxHeapUsedBytes?: number
  /** Resident set size, bytes. Default: `0` (off), env `FSR_PRESSURE_MAX_RSS_BYTES`. */
  readonly maxRssBytes?: number
  /** Event-loop utilization over the last sample, from 0 to 1. Default: `0` (off), env `FSR_PRESSURE_MAX_EVENT_LOOP_UTILIZATION`. */
  readonly maxEventLoopUtilization?: number
  /** Seconds in the `Retry-After` header of a 503. Default: `10`, env `FSR_PRESSURE_RETRY_AFTER`. */
  readonly retryAfter?: number
  /** Milliseconds between two samples of the measures (at least 100). Default: `1 000`, env `FSR_PRESSURE_SAMPLE_INTERVAL`. */
  readonly sampleInterval?: number
}

/** Where the admin server listens and who may use its protected endpoints. */
export interface AdminOptions {
  /** TCP port; `0` picks a free one; must differ from the main server's. Default: `9090`, env `FSR_ADMIN_PORT`. */
  readonly port?: number
  /** Address to bind (`localhost` is refused). Default: `127.0.0.1`, env `FSR_ADMIN_HOST`. */
  readonly host?: string
  /**
   * Bearer token for `/debug/*` and every mutating endpoint; required whenever one is set, and
   * required to be set when `host` is not loopback. Default: none, env `FSR_ADMIN_TOKEN`.
   */
  readonly token?: string
  /** Allow a non-loopback `host` without a token (the protected endpoints are then open). Default: `false`. */
  readonly allowInsecure?: boolean
}

/** `AdminOptions` after defaults and env. */
export interface ResolvedAdminOptions {
  readonly port: number
  readonly host: string
  readonly token: string | undefined
  readonly allowInsecure: boolean
  /** Whether `host` is a loopback address. */
  readonly isLoopback: boolean
}

/** What the metrics plugin collects besides the runner's own metrics. */
export interface MetricsOptions {
  /** Request metrics of the main server (`http_request_duration_seconds`, as fastify-metrics names it). Default: `true`. */
  readonly requests?: boolean
  /** Node.js process metrics (prom-client default metrics). Default: `true`. */
  readonly process?: boolean
}

/** The profiling endpoints. */
export interface DebugOptions {
  /** Upper bound of `?seconds=` of the CPU and heap profiles. Default: `60`. */
  readonly maxProfileSeconds?: number
  /**
   * Sample the heap from the plugin's start to its close, so `GET /debug/pprof/heap` without `seconds`
   * answers at once with what is in use since start (as Go's does); `false` samples only during a
   * `?seconds=` window. Default: `true`.
   */
  readonly heapSinceStart?: boolean
  /** Average bytes allocated between two heap samples (one sampler per process: the first runner's applies). Default: `524288` (512 KiB). */
  readonly heapSamplingInterval?: number
}

/** The dashboard on the admin server (`GET /`, `GET /events`). */
export interface DashboardOptions {
  /** Events kept for clients that reconnect (`Last-Event-ID`), and restart decisions for snapshots, 10 to 100000. Default: `1000`. */
  readonly history?: number
}

/** Where traces or metrics go: an OTLP collector, the console, nowhere, or an exporter of your own. */
export type TelemetryExporter<T> = 'otlp' | 'console' | 'none' | T

/**
 * OpenTelemetry traces and metrics (the SDK, loaded only when an exporter is set). Each field wins over
 * its standard variable; `OTEL_SDK_DISABLED=true` turns everything off as `telemetry: false` does.
 */
export interface TelemetryOptions {
  /** `service.name` of the resource. Default: env `OTEL_SERVICE_NAME`, else `unknown_service:node`. */
  readonly serviceName?: string
  /** More resource attributes, over those of env `OTEL_RESOURCE_ATTRIBUTES` (`key=value,...`). Default: none. */
  readonly resourceAttributes?: Readonly<Record<string, string>>
  /** Resource detectors to run (`env` means nothing more: `OTEL_RESOURCE_ATTRIBUTES` is always read). Default: env `OTEL_NODE_RESOURCE_DETECTORS` (a comma list, `all`, `none`), else all. */
  readonly resourceDetectors?: ReadonlyArray<'env' | 'host' | 'os' | 'process' | 'serviceinstance'>
  /** Where spans go; `none` makes no span at all. Default: env `OTEL_TRACES_EXPORTER`, else `otlp` when an OTLP endpoint is set, else `none`. */
  readonly tracesExporter?: TelemetryExporter<SpanExporter>
  /** Where metrics go. Default: env `OTEL_METRICS_EXPORTER`, else `otlp` when an OTLP endpoint is set, else `none`. */
  readonly metricsExporter?: TelemetryExporter<PushMetricExporter>
  /** Base URL of the OTLP receiver (`/v1/traces` and `/v1/metrics` are added over HTTP). Default: env `OTEL_EXPORTER_OTLP_ENDPOINT`, else the exporter's own (`http://localhost:4318`, gRPC `:4317`). */
  readonly endpoint?: string
  /** OTLP transport. Default: env `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. */
  readonly protocol?: 'http/protobuf' | 'http/json' | 'grpc'
  /** Which traces are kept. Default: env `OTEL_TRACES_SAMPLER`, else `parentbased_always_on`. */
  readonly sampler?: 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio'
  /** Ratio of the `traceidratio` samplers, from 0 to 1. Default: env `OTEL_TRACES_SAMPLER_ARG`, else `1`. */
  readonly samplerArg?: number
  /** Milliseconds between two exports of the metrics. Default: env `OTEL_METRIC_EXPORT_INTERVAL`, else `60 000`. */
  readonly metricInterval?: number
  /**
   * How trace context is read from requests and sent on, in order; empty for none. Default: env
   * `OTEL_PROPAGATORS` (a comma list, or `none`), else `['tracecontext', 'baggage']`. Others (b3,
   * jaeger) need their package: register that propagator globally first, and the runner leaves it.
   */
  readonly propagators?: ReadonlyArray<'tracecontext' | 'baggage'>
  /** Trace the admin server's requests too. Default: `false`. */
  readonly traceAdmin?: boolean
}
