// Resolves the runner's `telemetry` option: explicit option, then the standard OTEL_* variables, then
// default. Every problem is reported together (with the core's, when composed by createRunner).
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { TelemetryOptions } from '../../types/index.ts'
import { BUILTIN_OPTION, Problems, readInteger, readObject, refuseUnknownKeys } from '../../lib/options.ts'

type Env = Readonly<Record<string, string | undefined>>

const TELEMETRY_KEYS = ['serviceName', 'resourceAttributes', 'resourceDetectors', 'tracesExporter', 'metricsExporter', 'endpoint', 'protocol', 'sampler', 'samplerArg', 'metricInterval', 'propagators', 'traceAdmin'] as const
const EXPORTERS = ['otlp', 'console', 'none'] as const
const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const
const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const
const DETECTORS = ['host', 'os', 'process', 'serviceinstance'] as const
// The propagators @opentelemetry/core has; b3, jaeger and the others of the specification need a package of their own.
const PROPAGATORS = ['tracecontext', 'baggage'] as const
const DEFAULT_METRIC_INTERVAL = 60_000
const MAX_MS = 2 ** 31 - 1

export interface ResolvedTelemetry {
  readonly serviceName: string
  readonly resourceAttributes: Readonly<Record<string, string>>
  readonly resourceDetectors: ReadonlyArray<(typeof DETECTORS)[number]>
  /** `none` is undefined: nothing of the traces SDK is loaded. */
  readonly tracesExporter: 'otlp' | 'console' | SpanExporter | undefined
  readonly metricsExporter: 'otlp' | 'console' | PushMetricExporter | undefined
  /** Set only when given as an option: from env, the exporters read their own variables (signal-specific ones too). */
  readonly endpoint: string | undefined
  readonly protocol: (typeof PROTOCOLS)[number]
  readonly sampler: (typeof SAMPLERS)[number]
  readonly samplerArg: number
  readonly metricInterval: number
  /** Empty for none: no trace context read from requests nor sent on. */
  readonly propagators: ReadonlyArray<(typeof PROPAGATORS)[number]>
  readonly traceAdmin: boolean
}

export type ResolvedTelemetryOptions = Readonly<ResolvedTelemetry> | false

/** True for the values OTEL_SDK_DISABLED turns the SDK off with (case-insensitive `true`). */
function isSdkDisabled (env: Env): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true'
}

function readChoice<T extends string> (problems: Problems, where: string, value: unknown, envName: string, env: Env, choices: readonly T[], fallback: T): T {
  const fromEnv = env[envName]?.trim()
  const [source, raw] = value !== undefined ? [where, value] : fromEnv !== undefined && fromEnv !== '' ? [envName, fromEnv] : [where, fallback]
  if ((choices as readonly unknown[]).includes(raw)) return raw as T
  problems.add(source, raw, `one of ${choices.join(', ')}`)
  return fallback
}

/** An exporter name, or an object with `export` and `shutdown` (an exporter of the program's own). */
function readExporter<T> (problems: Problems, where: string, value: unknown, envName: string, env: Env, hasEndpoint: boolean): 'otlp' | 'console' | T | undefined {
  if (value !== null && typeof value === 'object') {
    const exporter = value as { export?: unknown, shutdown?: unknown }
    if (typeof exporter.export === 'function' && typeof exporter.shutdown === 'function') return value as T
    problems.add(where, value, `one of ${EXPORTERS.join(', ')}, or an exporter (an object with export() and shutdown())`)
    return undefined
  }
  const choice = readChoice(problems, where, value, envName, env, EXPORTERS, hasEndpoint ? 'otlp' : 'none')
  return choice === 'none' ? undefined : choice
}

function readUrl (problems: Problems, where: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') {
    try {
      const url = new URL(value)
      if (url.protocol === 'http:' || url.protocol === 'https:') return value
    } catch {}
  }
  problems.add(where, value, 'an http:// or https:// URL, for example http://127.0.0.1:4318')
  return undefined
}

/** `key=value,key2=value2` (values percent-encoded), as OTEL_RESOURCE_ATTRIBUTES holds them. */
function readResourceEnv (problems: Problems, env: Env): Record<string, string> {
  const raw = env.OTEL_RESOURCE_ATTRIBUTES
  const attributes: Record<string, string> = {}
  if (raw === undefined || raw.trim() === '') return attributes
  for (const pair of raw.split(',')) {
    const at = pair.indexOf('=')
    const key = at <= 0 ? '' : pair.slice(0, at).trim()
    let value: string | undefined
    try {
      value = decodeURIComponent(pair.slice(at + 1).trim())
    } catch {}
    if (key === '' || value === undefined) {
      problems.add('OTEL_RESOURCE_ATTRIBUTES', raw, 'a list of key=value pairs separated by commas, values percent-encoded')
      return {}
    }
    attributes[key] = value
  }
  return attributes
}

function readResourceOption (problems: Problems, value: unknown): Record<string, string> {
  const given = readObject(problems, 'telemetry.resourceAttributes', value)
  const attributes: Record<string, string> = {}
  for (const [key, attribute] of Object.entries(given)) {
    if (typeof attribute === 'string') attributes[key] = attribute
    else problems.add(`telemetry.resourceAttributes.${key}`, attribute, 'a string')
  }
  return attributes
}

/**
 * Detectors from the option (an array) or OTEL_NODE_RESOURCE_DETECTORS (a comma list, `all`, `none`);
 * `env` is accepted and means nothing more: OTEL_RESOURCE_ATTRIBUTES is always read.
 */
function readDetectors (problems: Problems, value: unknown, env: Env): ReadonlyArray<(typeof DETECTORS)[number]> {
  const fromEnv = env.OTEL_NODE_RESOURCE_DETECTORS?.trim()
  const isOption = value !== undefined
  const raw = isOption ? value : fromEnv === undefined || fromEnv === '' ? ['all'] : fromEnv.split(',').map((name) => name.trim())
  const accepted = `a list of ${[...DETECTORS, 'env'].join(', ')}${isOption ? '' : ', or all, or none'}`
  if (!Array.isArray(raw)) return problems.add('telemetry.resourceDetectors', raw, accepted) ?? []
  if (!isOption && raw.length === 1 && raw[0] === 'none') return []
  if (!isOption && raw.includes('all')) return DETECTORS
  const detectors = new Set<(typeof DETECTORS)[number]>()
  for (const name of raw) {
    if ((DETECTORS as readonly unknown[]).includes(name)) detectors.add(name as (typeof DETECTORS)[number])
    else if (name !== 'env') return problems.add(isOption ? 'telemetry.resourceDetectors' : 'OTEL_NODE_RESOURCE_DETECTORS', isOption ? raw : fromEnv, accepted) ?? []
  }
  return Object.freeze([...detectors])
}

function readRatio (problems: Problems, value: unknown, env: Env): number {
  const fromEnv = env.OTEL_TRACES_SAMPLER_ARG?.trim()
  const [source, raw] = value !== undefined ? ['telemetry.samplerArg', value] : fromEnv !== undefined && fromEnv !== '' ? ['OTEL_TRACES_SAMPLER_ARG', fromEnv] : ['telemetry.samplerArg', 1]
  const number = typeof raw === 'string' && /^(\d+(\.\d*)?|\.\d+)$/.test(raw) ? Number(raw) : raw
  if (typeof number === 'number' && number >= 0 && number <= 1) return number
  problems.add(source, raw, 'a number from 0 to 1')
  return 1
}

/** Propagators from the option (an array, empty for none) or OTEL_PROPAGATORS (a comma list, or `none`). */
function readPropagators (problems: Problems, value: unknown, env: Env): ReadonlyArray<(typeof PROPAGATORS)[number]> {
  const fromEnv = env.OTEL_PROPAGATORS?.trim()
  const isOption = value !== undefined
  const raw = isOption ? value : fromEnv === undefined || fromEnv === '' ? PROPAGATORS : fromEnv.split(',').map((name) => name.trim())
  const accepted = `a list of ${PROPAGATORS.join(', ')}${isOption ? ' (empty for none)' : ', or none'}; b3, jaeger and the others need their own propagator package: register it globally before createRunner, and the runner leaves it in place`
  if (!Array.isArray(raw)) return problems.add('telemetry.propagators', raw, accepted) ?? []
  if (!isOption && raw.length === 1 && raw[0] === 'none') return []
  if (!raw.every((name) => (PROPAGATORS as readonly unknown[]).includes(name))) {
    return problems.add(isOption ? 'telemetry.propagators' : 'OTEL_PROPAGATORS', isOption ? raw : fromEnv, accepted) ?? []
  }
  return Object.freeze([...new Set(raw as Array<(typeof PROPAGATORS)[number]>)])
}

/** Resolves and validates the telemetry options; `false` (or OTEL_SDK_DISABLED=true) turns telemetry off. */
export function resolveTelemetryOptions (input: TelemetryOptions | false | undefined, env: Env = process.env): ResolvedTelemetryOptions {
  if (input === false || isSdkDisabled(env)) return false
  const problems = new Problems()
  const given = readObject(problems, 'telemetry', input, BUILTIN_OPTION)
  refuseUnknownKeys(problems, 'telemetry', given, TELEMETRY_KEYS)

  const serviceName = given.serviceName ?? (env.OTEL_SERVICE_NAME?.trim() || undefined) ?? 'unknown_service:node'
  if (typeof serviceName !== 'string' || serviceName === '') problems.add(given.serviceName !== undefined ? 'telemetry.serviceName' : 'OTEL_SERVICE_NAME', serviceName, 'a non-empty string')

  const resourceAttributes = { ...readResourceEnv(problems, env), ...readResourceOption(problems, given.resourceAttributes) }
  const endpoint = readUrl(problems, 'telemetry.endpoint', given.endpoint)
  const envEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()
  if (given.endpoint === undefined && envEndpoint !== undefined && envEndpoint !== '') readUrl(problems, 'OTEL_EXPORTER_OTLP_ENDPOINT', envEndpoint)
  const hasEndpoint = given.endpoint !== undefined || (envEndpoint !== undefined && envEndpoint !== '')

  const resolved: ResolvedTelemetry = {
    serviceName: serviceName as string,
    resourceAttributes: Object.freeze(resourceAttributes),
    resourceDetectors: readDetectors(problems, given.resourceDetectors, env),
    tracesExporter: readExporter<SpanExporter>(problems, 'telemetry.tracesExporter', given.tracesExporter, 'OTEL_TRACES_EXPORTER', env, hasEndpoint),
    metricsExporter: readExporter<PushMetricExporter>(problems, 'telemetry.metricsExporter', given.metricsExporter, 'OTEL_METRICS_EXPORTER', env, hasEndpoint),
    endpoint,
    protocol: readChoice(problems, 'telemetry.protocol', given.protocol, 'OTEL_EXPORTER_OTLP_PROTOCOL', env, PROTOCOLS, 'http/protobuf'),
    sampler: readChoice(problems, 'telemetry.sampler', given.sampler, 'OTEL_TRACES_SAMPLER', env, SAMPLERS, 'parentbased_always_on'),
    samplerArg: readRatio(problems, given.samplerArg, env),
    metricInterval: readInteger(problems, 'telemetry.metricInterval', given.metricInterval, 'OTEL_METRIC_EXPORT_INTERVAL', env, DEFAULT_METRIC_INTERVAL, MAX_MS),
    propagators: readPropagators(problems, given.propagators, env),
    traceAdmin: given.traceAdmin === undefined ? false : given.traceAdmin as boolean,
  }
  if (typeof resolved.traceAdmin !== 'boolean') problems.add('telemetry.traceAdmin', given.traceAdmin, 'true or false')
  if (resolved.metricInterval === 0) problems.add(given.metricInterval !== undefined ? 'telemetry.metricInterval' : 'OTEL_METRIC_EXPORT_INTERVAL', 0, `an integer from 1 to ${MAX_MS}`)
  problems.throwIfAny()
  return Object.freeze(resolved)
}

/** Whether anything is exported: otherwise the SDK is never loaded and no span is made. */
export function isExporting (options: ResolvedTelemetryOptions): options is Readonly<ResolvedTelemetry> {
  return options !== false && (options.tracesExporter !== undefined || options.metricsExporter !== undefined)
}
