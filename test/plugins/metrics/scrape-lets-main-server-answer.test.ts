// A scrape builds the text one metric at a time, with a turn of the event loop between them, so a
// main-server request that arrives during a scrape is answered before the scrape ends; the text is
// the registry's own.
import assert from 'node:assert/strict'
import http from 'node:http'
import { test, type TestContext } from 'node:test'
import type { Registry } from 'prom-client'
import { createRunner, defineService, type Runner } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

const SERVICES = 200

interface Started {
  readonly runner: Runner
  readonly registry: Registry
  readonly port: number
  /** Whether the scrape's text was complete when GET /during was handled. */
  readonly handledAfterScrape: boolean[]
  /** Set once the admin server has the whole /metrics text. */
  isScrapeBuilt: boolean
  /** Called when a scrape comes in. */
  onScrape: () => void
}

async function start (t: TestContext): Promise<Started> {
  const runner = createRunner({ server: { port: 0, host: '127.0.0.1' }, admin: { port: 0 }, signals: false, metrics: { process: false }, logger: captureLogs('warn').logger })
  const started = { runner, handledAfterScrape: [] as boolean[], isScrapeBuilt: false, onScrape: () => {} } as { -readonly [K in keyof Started]: Started[K] }
  // Public hooks of the admin instance: onRequest sees a scrape come in, onSend has its whole text.
  runner.admin!.addHook('onRequest', async (request) => {
    if (request.url === '/metrics') started.onScrape()
  })
  runner.admin!.addHook('onSend', async (request) => {
    if (request.url === '/metrics') started.isScrapeBuilt = true
  })
  for (let i = 0; i < SERVICES; i++) runner.register(defineService({ name: `service-${i}` }))
  runner.register(defineService({
    name: 'api',
    async init (ctx) {
      started.registry = ctx.metrics
      ctx.app.get('/during', async () => {
        started.handledAfterScrape.push(started.isScrapeBuilt)
        return { ok: true }
      })
    },
  }))
  t.after(() => runner.stop())
  await runner.start()
  started.port = runner.address!.port
  return started
}

function get (port: number, path: string, agent: http.Agent): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    }).on('error', reject)
  })
}

test('a main-server request that arrives while /metrics is built is answered before the scrape ends', async (t) => {
  const started = await start(t)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.after(() => agent.destroy())
  // The connection is open before the scrape, so the request is on the wire at once.
  assert.equal(await get(started.port, '/during', agent), 200)
  started.handledAfterScrape.length = 0
  let during: Promise<number | undefined> | undefined
  started.onScrape = () => { during = get(started.port, '/during', agent) }
  const scrape = await started.runner.admin!.inject('/metrics')
  assert.equal(scrape.statusCode, 200)
  assert.equal(await during, 200)
  assert.deepEqual(started.handledAfterScrape, [false], 'GET /during was handled before the scrape had its text')
})

test('the /metrics text is the registry\'s own text', async (t) => {
  const { runner, registry } = await start(t)
  const response = await runner.admin!.inject('/metrics')
  assert.equal(response.statusCode, 200)
  assert.equal(response.body, await registry.metrics())
})
