import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { createRunner } from '../../../lib/index.ts'
import { resolveTelemetryOptions } from '../../../plugins/telemetry/options.ts'

test('without options or variables nothing is exported; an OTLP endpoint alone means otlp for both signals', () => {
  const none = resolveTelemetryOptions(undefined, {})
  assert.ok(none !== false)
  assert.equal(none.tracesExporter, undefined)
  assert.equal(none.metricsExporter, undefined)
  assert.equal(none.serviceName, 'unknown_service:node')
  assert.equal(none.sampler, 'parentbased_always_on')
  assert.equal(none.protocol, 'http/protobuf')
  const otlp = resolveTelemetryOptions(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })
  assert.ok(otlp !== false)
  assert.equal(otlp.tracesExporter, 'otlp')
  assert.equal(otlp.metricsExporter, 'otlp')
  assert.equal(otlp.endpoint, undefined, 'from env, the exporters read the variables themselves')
})

test('the standard variables are read, and explicit options win over them', () => {
  const env = {
    OTEL_SERVICE_NAME: 'notes',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=a%20b',
    OTEL_TRACES_EXPORTER: 'console',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_TRACES_SAMPLER: 'traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.25',
    OTEL_METRIC_EXPORT_INTERVAL: '5000',
    OTEL_NODE_RESOURCE_DETECTORS: 'env, host,os',
    OTEL_PROPAGATORS: 'tracecontext',
  }
  const fromEnv = resolveTelemetryOptions(undefined, env)
  assert.ok(fromEnv !== false)
  assert.deepEqual({ ...fromEnv }, {
    serviceName: 'notes',
    resourceAttributes: { 'deployment.environment': 'prod', team: 'a b' },
    resourceDetectors: ['host', 'os'],
    tracesExporter: 'console',
    metricsExporter: undefined,
    endpoint: undefined,
    protocol: 'grpc',
    sampler: 'traceidratio',
    samplerArg: 0.25,
    metricInterval: 5000,
    propagators: ['tracecontext'],
    traceAdmin: false,
  })
  const exporter = new InMemorySpanExporter()
  const explicit = resolveTelemetryOptions({ serviceName: 'api', resourceAttributes: { team: 'c' }, tracesExporter: exporter, protocol: 'http/json', sampler: 'always_on', samplerArg: 1, endpoint: 'http://127.0.0.1:4318/' }, env)
  assert.ok(explicit !== false)
  assert.equal(explicit.serviceName, 'api')
  assert.deepEqual(explicit.resourceAttributes, { 'deployment.environment': 'prod', team: 'c' })
  assert.equal(explicit.tracesExporter, exporter)
  assert.equal(explicit.protocol, 'http/json')
  assert.equal(explicit.sampler, 'always_on')
  assert.equal(explicit.endpoint, 'http://127.0.0.1:4318/')
  assert.deepEqual(explicit.resourceDetectors, ['host', 'os'], 'from env')
  assert.deepEqual((resolveTelemetryOptions(undefined, {}) as { resourceDetectors: unknown }).resourceDetectors, ['host', 'os', 'process', 'serviceinstance'])
  assert.deepEqual((resolveTelemetryOptions(undefined, { OTEL_NODE_RESOURCE_DETECTORS: 'none' }) as { resourceDetectors: unknown }).resourceDetectors, [])
  assert.deepEqual((resolveTelemetryOptions({ resourceDetectors: ['process'] }, { OTEL_NODE_RESOURCE_DETECTORS: 'none' }) as { resourceDetectors: unknown }).resourceDetectors, ['process'])
  assert.ok(Object.isFrozen(explicit))
})

test('propagators: W3C trace context and baggage by default, OTEL_PROPAGATORS or the option to choose, none for none', () => {
  const of = (env: Record<string, string>, option?: unknown) => {
    const resolved = resolveTelemetryOptions(option === undefined ? undefined : { propagators: option } as never, env)
    assert.ok(resolved !== false)
    return resolved.propagators
  }
  assert.deepEqual(of({}), ['tracecontext', 'baggage'])
  assert.deepEqual(of({ OTEL_PROPAGATORS: 'baggage, tracecontext' }), ['baggage', 'tracecontext'])
  assert.deepEqual(of({ OTEL_PROPAGATORS: 'none' }), [])
  assert.deepEqual(of({ OTEL_PROPAGATORS: 'baggage' }, ['tracecontext']), ['tracecontext'], 'the option wins')
  assert.deepEqual(of({}, []), [])
  for (const [env, option, where] of [[{ OTEL_PROPAGATORS: 'b3' }, undefined, 'OTEL_PROPAGATORS'], [{}, ['jaeger'], 'telemetry.propagators'], [{}, 'tracecontext', 'telemetry.propagators']] as const) {
    assert.throws(() => of(env, option), (err: Error & { code?: string, problems?: string[] }) => {
      assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
      assert.match(err.problems?.[0] ?? '', new RegExp(`^- ${where.replace('.', '\\.')}: .*tracecontext, baggage.*register it globally before createRunner`))
      return true
    })
  }
})

test('false and OTEL_SDK_DISABLED=true turn telemetry off', () => {
  assert.equal(resolveTelemetryOptions(false, {}), false)
  assert.equal(resolveTelemetryOptions({ tracesExporter: 'console' }, { OTEL_SDK_DISABLED: 'TRUE' }), false)
  assert.notEqual(resolveTelemetryOptions(undefined, { OTEL_SDK_DISABLED: 'false' }), false)
})

test('every problem of the telemetry options and variables is reported in one FSR_ERR_INVALID_OPTIONS, with the core\'s', () => {
  const env = {
    OTEL_TRACES_EXPORTER: 'zipkin',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318',
    OTEL_RESOURCE_ATTRIBUTES: 'novalue',
    OTEL_TRACES_SAMPLER: 'sometimes',
    OTEL_TRACES_SAMPLER_ARG: '2',
    OTEL_NODE_RESOURCE_DETECTORS: 'host,gcp',
  }
  for (const name of Object.keys(env)) process.env[name] = env[name as keyof typeof env]
  try {
    assert.throws(() => createRunner({
      server: { port: -1 },
      telemetry: { metricsExporter: {} as never, protocol: 'thrift' as never, metricInterval: 0, traceAdmin: 'yes' as never, colour: 'blue' } as never,
    }), (err: Error & { code: string, problems: string[] }) => {
      assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
      const wheres = err.problems.map((problem) => problem.slice(2, problem.indexOf(':')))
      assert.deepEqual(wheres.sort(), [
        'OTEL_EXPORTER_OTLP_ENDPOINT',
        'OTEL_NODE_RESOURCE_DETECTORS',
        'OTEL_RESOURCE_ATTRIBUTES',
        'OTEL_TRACES_EXPORTER',
        'OTEL_TRACES_SAMPLER',
        'OTEL_TRACES_SAMPLER_ARG',
        'server.port',
        'telemetry.colour',
        'telemetry.metricInterval',
        'telemetry.metricsExporter',
        'telemetry.protocol',
        'telemetry.traceAdmin',
      ])
      assert.match(err.message, /OTEL_TRACES_EXPORTER: got "zipkin"; expected one of otlp, console, none/)
      assert.match(err.message, /telemetry\.protocol: got "thrift"; expected one of http\/protobuf, http\/json, grpc/)
      return true
    })
  } finally {
    for (const name of Object.keys(env)) delete process.env[name]
  }
})
