import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { createRunner, defineService, type Runner } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

async function startRunner (t: TestContext, routes: (app: FastifyInstance) => void): Promise<Runner & { registry: Registry }> {
  const runner = createRunner({ server: { port: 0, host: '127.0.0.1' }, admin: { port: 0 }, signals: false, logger: captureLogs('warn').logger })
  let registry: Registry | undefined
  runner.register(defineService({
    name: 'api',
    init (ctx) {
      registry = ctx.metrics
      routes(ctx.app)
    },
  }))
  t.after(() => runner.stop())
  await runner.start()
  return Object.assign(runner, { registry: registry! })
}

async function scrape (runner: Runner): Promise<string[]> {
  const text = (await runner.admin!.inject('/metrics')).body
  return text.split('\n').filter((line) => line.startsWith('http_request_duration_seconds'))
}

/** The value of the one line that starts with `series` ({labels} included), or undefined. */
function valueOf (lines: readonly string[], series: string): number | undefined {
  const found = lines.filter((line) => line.startsWith(`${series} `))
  assert.ok(found.length <= 1, `one line for ${series}, got ${found.join(' | ')}`)
  return found.length === 0 ? undefined : Number(found[0].slice(series.length + 1))
}

const labels = (method: string, route: string, status: number): string => `method="${method}",route="${route}",status_code="${status}"`

test('each route is measured under its pattern, method and status code, into cumulative buckets', async (t) => {
  const runner = await startRunner(t, (app) => {
    app.get('/items/:id', async (request, reply) => {
      const { id } = request.params as { id: string }
      if (id === 'missing') return reply.code(404).send({ missing: true })
      return { id }
    })
    app.get('/slow', async () => {
      await delay(120)
      return { slow: true }
    })
  })
  await runner.app.inject('/items/1')
  await runner.app.inject('/items/2')
  await runner.app.inject('/items/missing')
  await runner.app.inject('/nowhere')
  // Over a real socket too: the hook is the route's, whatever carried the request.
  const { port } = runner.address!
  assert.equal((await fetch(`http://127.0.0.1:${port}/slow`)).status, 200)

  const lines = await scrape(runner)
  const items = labels('GET', '/items/:id', 200)
  assert.equal(valueOf(lines, `http_request_duration_seconds_count{${items}}`), 2)
  assert.equal(valueOf(lines, `http_request_duration_seconds_bucket{le="+Inf",${items}}`), 2)
  assert.equal(valueOf(lines, `http_request_duration_seconds_count{${labels('GET', '/items/:id', 404)}}`), 1)
  assert.ok(!lines.some((line) => line.includes('/nowhere') || line.includes('/items/1')), 'no series for unknown routes or raw URLs')

  // The slow route slept 120 ms: nothing at or under 0.1 s, everything by 0.25 s or +Inf.
  const slow = labels('GET', '/slow', 200)
  assert.equal(valueOf(lines, `http_request_duration_seconds_bucket{le="0.1",${slow}}`), 0)
  assert.equal(valueOf(lines, `http_request_duration_seconds_bucket{le="+Inf",${slow}}`), 1)
  assert.ok(valueOf(lines, `http_request_duration_seconds_sum{${slow}}`)! >= 0.12)
  // Buckets are cumulative and end at the count.
  const buckets = lines.filter((line) => line.startsWith('http_request_duration_seconds_bucket{') && line.includes(slow)).map((line) => Number(line.split(' ')[1]))
  assert.equal(buckets.length, 12)
  assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b))
})

test('statsId names a route, disableMetrics leaves it out, several methods are told apart, HEAD is not measured (as fastify-metrics)', async (t) => {
  const runner = await startRunner(t, (app) => {
    app.get('/a/:id', { config: { statsId: 'lookup' } }, async () => ({ a: true }))
    app.get('/b/:id', { config: { statsId: 'lookup' } }, async () => ({ b: true }))
    app.get('/quiet', { config: { disableMetrics: true } }, async () => ({ quiet: true }))
    app.route({ method: ['PUT', 'PATCH'], url: '/thing', handler: async () => ({ thing: true }) })
    app.get('/page', async () => 'page')
    app.route({ method: ['GET', 'HEAD'], url: '/both', handler: async () => 'both' })
  })
  await runner.app.inject('/a/1')
  await runner.app.inject('/b/1')
  await runner.app.inject('/quiet')
  await runner.app.inject({ method: 'PUT', url: '/thing' })
  await runner.app.inject({ method: 'PATCH', url: '/thing' })
  await runner.app.inject({ method: 'PATCH', url: '/thing' })
  await runner.app.inject({ method: 'HEAD', url: '/page' })
  await runner.app.inject({ method: 'HEAD', url: '/both' })
  await runner.app.inject({ method: 'GET', url: '/both' })

  const lines = await scrape(runner)
  assert.equal(valueOf(lines, `http_request_duration_seconds_count{${labels('GET', 'lookup', 200)}}`), 2)
  assert.ok(!lines.some((line) => line.includes('/quiet')))
  assert.equal(valueOf(lines, `http_request_duration_seconds_count{${labels('PUT', '/thing', 200)}}`), 1)
  assert.equal(valueOf(lines, `http_request_duration_seconds_count{${labels('PATCH', '/thing', 200)}}`), 2)
  assert.equal(valueOf(lines, `http_request_duration_seconds_count{${labels('HEAD', '/page', 200)}}`), undefined, 'fastify-metrics leaves HEAD, OPTIONS, TRACE and CONNECT out')
  assert.equal(valueOf(lines, `http_request_duration_seconds_count{${labels('GET', '/page', 200)}}`), undefined)
  assert.equal(valueOf(lines, `http_request_duration_seconds_count{${labels('GET', '/both', 200)}}`), 1, 'a route of GET and HEAD: its GET requests')
  assert.equal(valueOf(lines, `http_request_duration_seconds_count{${labels('HEAD', '/both', 200)}}`), undefined)
})

test('errors count under their status code, and resetMetrics() starts the histogram over', async (t) => {
  const runner = await startRunner(t, (app) => {
    app.post('/orders', { schema: { body: { type: 'object', required: ['id'] } } }, async () => ({ ok: true }))
    app.get('/boom', async () => { throw new Error('boom') })
  })
  await runner.app.inject({ method: 'POST', url: '/orders', payload: {} })
  await runner.app.inject('/boom')
  let lines = await scrape(runner)
  assert.equal(valueOf(lines, `http_request_duration_seconds_count{${labels('POST', '/orders', 400)}}`), 1)
  assert.equal(valueOf(lines, `http_request_duration_seconds_count{${labels('GET', '/boom', 500)}}`), 1)

  runner.registry.resetMetrics()
  lines = await scrape(runner)
  assert.equal(valueOf(lines, `http_request_duration_seconds_count{${labels('GET', '/boom', 500)}}`), undefined)
  await runner.app.inject('/boom')
  lines = await scrape(runner)
  assert.equal(valueOf(lines, `http_request_duration_seconds_count{${labels('GET', '/boom', 500)}}`), 1, 'measured again after the reset')
})
