import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fastify, type FastifyInstance } from 'fastify'
// A CommonJS module: its plugin is `exports.default`.
import fastifyMetricsModule from 'fastify-metrics'
import { createRunner } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

/** The same routes on both sides: a pattern, another method and status, statsId, disableMetrics, a failure. */
function addRoutes (app: FastifyInstance): void {
  app.get('/items/:id', async () => ({ ok: true }))
  app.post('/items', async (request, reply) => reply.code(201).send({ created: true }))
  app.get('/renamed', { config: { statsId: 'items-renamed' } }, async () => ({ ok: true }))
  app.get('/unmeasured', { config: { disableMetrics: true } }, async () => ({ ok: true }))
  app.get('/fails', async () => { throw new Error('fails on purpose') })
}

/** The same requests to both: HEAD (Fastify's automatic HEAD route), OPTIONS and a 404 included. */
const REQUESTS = [
  ['GET', '/items/1'], ['GET', '/items/2'], ['GET', '/items/3?x=1'], ['POST', '/items'], ['GET', '/renamed'],
  ['GET', '/unmeasured'], ['GET', '/fails'], ['HEAD', '/items/4'], ['OPTIONS', '/items/1'], ['GET', '/nowhere'],
] as const

interface Family {
  readonly help: string | undefined
  readonly type: string | undefined
  /** `name{labels}` (labels sorted) of every line, with its value when it does not depend on timing. */
  readonly lines: Map<string, string>
}

/** The lines of one metric family in a Prometheus text exposition. */
function familyOf (text: string, family: string): Family {
  const lines = new Map<string, string>()
  let help: string | undefined
  let type: string | undefined
  for (const line of text.split('\n')) {
    if (line.startsWith(`# HELP ${family} `)) help = line.slice(`# HELP ${family} `.length)
    else if (line.startsWith(`# TYPE ${family} `)) type = line.slice(`# TYPE ${family} `.length)
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null || !match[1].startsWith(family)) continue
    const [, name, labels = '', value] = match
    const sorted = labels === '' ? [] : labels.split(',').sort()
    // Bucket counts and sums depend on how long each request took; counts do not.
    lines.set(`${name}{${sorted.join(',')}}`, name.endsWith('_count') ? value : '')
  }
  return { help, type, lines }
}

test('http_request_duration_seconds is exposed as fastify-metrics exposes it for the same requests: names, help, label sets, bucket bounds, counts', async (t) => {
  const runner = createRunner({ server: { port: 0 }, admin: { port: 0 }, signals: false, logger: captureLogs('fatal').logger })
  runner.register(async (app) => { addRoutes(app) }, { service: { name: 'api' } })
  t.after(() => runner.stop())
  await runner.start()

  const theirs = fastify()
  t.after(() => theirs.close())
  // Its defaults, less the process metrics (compared elsewhere) and the summary (the runner keeps none).
  await theirs.register(fastifyMetricsModule.default, { endpoint: '/metrics', clearRegisterOnInit: true, defaultMetrics: { enabled: false }, routeMetrics: { enabled: { histogram: true, summary: false } } })
  addRoutes(theirs)
  await theirs.ready()

  for (const [method, url] of REQUESTS) {
    const [ours, other] = await Promise.all([runner.app.inject({ method, url }), theirs.inject({ method, url })])
    assert.equal(ours.statusCode, other.statusCode, `${method} ${url}`)
  }
  const ourText = (await runner.admin!.inject('/metrics')).body
  const theirText = (await theirs.inject('/metrics')).body
  const ours = familyOf(ourText, 'http_request_duration_seconds')
  const other = familyOf(theirText, 'http_request_duration_seconds')
  assert.equal(ours.help, other.help)
  assert.equal(ours.type, 'histogram')
  assert.equal(ours.type, other.type)
  assert.ok(other.lines.size > 0)
  assert.deepEqual([...ours.lines].sort(), [...other.lines].sort())
  // What the comparison covers, spelled out: the pattern, statsId, another status, and no HEAD, OPTIONS, 404 or disabled route.
  const counts = [...ours.lines].filter(([key]) => key.startsWith('http_request_duration_seconds_count')).map(([key, value]) => `${key} ${value}`).sort()
  assert.deepEqual(counts, [
    'http_request_duration_seconds_count{method="GET",route="/fails",status_code="500"} 1',
    'http_request_duration_seconds_count{method="GET",route="/items/:id",status_code="200"} 3',
    'http_request_duration_seconds_count{method="GET",route="items-renamed",status_code="200"} 1',
    'http_request_duration_seconds_count{method="POST",route="/items",status_code="201"} 1',
  ])
  const bounds = [...ours.lines.keys()].filter((key) => key.includes('route="/items/:id"') && key.includes('_bucket')).map((key) => /le="([^"]+)"/.exec(key)![1])
  assert.deepEqual(bounds.sort((a, b) => Number(a) - Number(b)), ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'])
})
