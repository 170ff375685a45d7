// Pages of other sites cannot use the admin server: protected requests that a browser marks as
// coming from another origin are refused, and a loopback admin server answers only to loopback
// host names (DNS rebinding). Clients that are not browsers (curl, fsr) send neither header.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { test, type TestContext } from 'node:test'
import { createRunner } from '../../../lib/index.ts'

async function startAdmin (t: TestContext, admin: { host?: string, token?: string } = {}) {
  const runner = createRunner({ server: false, signals: false, log: { level: 'silent' }, admin: { port: 0, ...admin } })
  runner.register(async () => {}, { service: { name: 'api' } })
  await runner.start()
  t.after(() => runner.stop())
  return { runner, port: (runner.admin!.server.address() as { port: number }).port }
}

function send (port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number, json: { code?: string } }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode!, json: text.startsWith('{') ? JSON.parse(text) : {} }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

test('a protected request from a page of another site is refused; the admin server\'s own pages and non-browsers are not', async (t) => {
  const { port } = await startAdmin(t)
  const body = JSON.stringify({ level: 'debug' })
  const own = `127.0.0.1:${port}`
  const fromOtherSites: Array<Record<string, string>> = [{ origin: 'http://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site', origin: `http://${own}` }]
  for (const headers of fromOtherSites) {
    const answer = await send(port, 'PUT', '/log-level/api', headers, body)
    assert.deepEqual([answer.status, answer.json.code], [403, 'FSR_ERR_ADMIN_CROSS_SITE'], JSON.stringify(headers))
  }
  // A form of another site posting to /upgrade is refused before the upgrade is even considered.
  assert.equal((await send(port, 'POST', '/upgrade', { origin: 'http://evil.example' })).json.code, 'FSR_ERR_ADMIN_CROSS_SITE')
  assert.equal((await send(port, 'GET', '/debug/pprof/heap', { 'sec-fetch-site': 'cross-site' })).json.code, 'FSR_ERR_ADMIN_CROSS_SITE')

  assert.equal((await send(port, 'PUT', '/log-level/api', { origin: `http://${own}`, 'sec-fetch-site': 'same-origin' }, body)).status, 200, 'the dashboard, same origin')
  assert.equal((await send(port, 'PUT', '/log-level/api', {}, body)).status, 200, 'curl or fsr: no Origin, no Sec-Fetch-Site')
  assert.equal((await send(port, 'GET', '/health', { 'sec-fetch-site': 'cross-site' })).status, 200, 'reads stay open: without CORS headers the page cannot read them')
})

test('a loopback admin server answers only to loopback host names', async (t) => {
  const { port } = await startAdmin(t)
  const answer = await send(port, 'GET', '/services', { host: `rebound.evil.example:${port}` })
  assert.deepEqual([answer.status, answer.json.code], [403, 'FSR_ERR_ADMIN_HOST'])
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, '127.0.0.1']) {
    assert.equal((await send(port, 'GET', '/services', { host })).status, 200, host)
  }
})

test('an admin server beyond loopback (with its token) answers to any host name', async (t) => {
  const { port } = await startAdmin(t, { host: '0.0.0.0', token: 'other-sites-token-0123456789' })
  assert.equal((await send(port, 'GET', '/services', { host: `pod-1.notes.svc:${port}` })).status, 200)
})
