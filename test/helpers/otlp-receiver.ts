// An OTLP/HTTP receiver on 127.0.0.1 for the telemetry tests: it answers every export, and decodes
// the spans of /v1/traces requests (protobuf) with the protocol's message definitions.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import protobuf from 'protobufjs'

export interface ReceivedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string
  readonly name: string
  readonly kind: number
  readonly attributes: Readonly<Record<string, string | number | boolean>>
  readonly statusCode: number
  /** `service.name` of the resource it came with. */
  readonly serviceName: string
  readonly scope: string
}

export interface OtlpReceiver {
  /** Base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string
  readonly spans: ReceivedSpan[]
  /** Export requests received per path (`/v1/traces`, `/v1/metrics`). */
  readonly requests: Record<string, number>
  /** Span names of the OTLP/JSON trace exports (`http/json`), as the JSON mapping of the protocol has them. */
  readonly jsonSpanNames: string[]
}

const schema = protobuf.loadSync(fileURLToPath(new URL('../fixtures/otlp/trace-request.proto', import.meta.url)))
const TraceRequest = schema.lookupType('otlp.ExportTraceServiceRequest')

interface KeyValue { key: string, value?: Record<string, unknown> }

function attributesOf (list: readonly KeyValue[] | undefined): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {}
  for (const { key, value = {} } of list ?? []) {
    const [kind] = Object.keys(value)
    const raw = value[kind!]
    attributes[key] = kind === 'intValue' ? Number(raw) : raw as string | number | boolean
  }
  return attributes
}

function decodeSpans (body: Buffer): ReceivedSpan[] {
  const request = TraceRequest.toObject(TraceRequest.decode(body), { longs: Number, bytes: Buffer, defaults: true }) as {
    resourceSpans: Array<{ resource?: { attributes: KeyValue[] }, scopeSpans: Array<{ scope?: { name: string }, spans: Array<Record<string, any>> }> }>
  }
  const spans: ReceivedSpan[] = []
  for (const { resource, scopeSpans } of request.resourceSpans) {
    const serviceName = String(attributesOf(resource?.attributes)['service.name'])
    for (const { scope, spans: list } of scopeSpans) {
      for (const span of list) {
        spans.push({
          traceId: (span.traceId as Buffer).toString('hex'),
          spanId: (span.spanId as Buffer).toString('hex'),
          parentSpanId: (span.parentSpanId as Buffer).toString('hex'),
          name: span.name,
          kind: span.kind,
          attributes: attributesOf(span.attributes),
          statusCode: span.status?.code ?? 0,
          serviceName,
          scope: scope?.name ?? '',
        })
      }
    }
  }
  return spans
}

export async function startOtlpReceiver (t: TestContext): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = []
  const requests: Record<string, number> = {}
  const jsonSpanNames: string[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const path = req.url ?? ''
      requests[path] = (requests[path] ?? 0) + 1
      let body = Buffer.concat(chunks)
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
      const isJson = req.headers['content-type']?.startsWith('application/json') === true
      if (path === '/v1/traces' && isJson) {
        const { resourceSpans = [] } = JSON.parse(body.toString('utf8')) as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ name: string }> }> }> }
        for (const { scopeSpans = [] } of resourceSpans) for (const { spans: list = [] } of scopeSpans) jsonSpanNames.push(...list.map((span) => span.name))
      } else if (path === '/v1/traces') spans.push(...decodeSpans(body))
      // An empty Export*ServiceResponse: everything accepted.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  const { port } = server.address() as AddressInfo
  return { endpoint: `http://127.0.0.1:${port}`, spans, requests, jsonSpanNames }
}
