import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type Runner, type RunnerOptions } from '../../../lib/index.ts'
import { hasToken } from '../../../plugins/admin/require-token.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

const TOKEN = 'correct-horse-battery-staple'

async function startRunner (t: TestContext, options: RunnerOptions): Promise<Runner> {
  const runner = createRunner({ server: { port: 0 }, signals: false, logger: captureLogs('warn').logger, ...options })
  runner.register(defineService({ name: 'store' }))
  t.after(() => runner.stop())
  await runner.start()
  return runner
}

const protectedRequests = [
  { method: 'PUT', url: '/log-level', payload: { level: 'debug' } },
  { method: 'PUT', url: '/log-level/store', payload: { level: 'debug' } },
  { method: 'GET', url: '/debug/pprof/profile?seconds=0' },
  { method: 'GET', url: '/debug/pprof/heap?seconds=0' },
  { method: 'GET', url: '/debug/heapsnapshot' },
  { method: 'POST', url: '/upgrade' },
] as const

test('with a token, debug and mutating endpoints refuse a missing or wrong token with 401', async (t) => {
  const admin = (await startRunner(t, { admin: { port: 0, token: TOKEN } })).admin!
  for (const request of protectedRequests) {
    for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, 'Bearer']) {
      const response = await admin.inject({ ...request, headers: authorization === undefined ? {} : { authorization } })
      assert.equal(response.statusCode, 401, `${request.method} ${request.url} with ${authorization}`)
      assert.equal(response.json().code, 'FSR_ERR_ADMIN_UNAUTHORIZED')
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="admin"')
      assert.doesNotMatch(response.body, new RegExp(TOKEN), 'the token is never echoed')
    }
  }
})

test('with the right token, they are served', async (t) => {
  const admin = (await startRunner(t, { admin: { port: 0, token: TOKEN } })).admin!
  const headers = { authorization: `Bearer ${TOKEN}` }
  const change = await admin.inject({ method: 'PUT', url: '/log-level/store', payload: { level: 'debug' }, headers })
  assert.equal(change.statusCode, 200)
  // seconds=0 is refused by validation, which only runs once the token was accepted.
  const profile = await admin.inject({ method: 'GET', url: '/debug/pprof/profile?seconds=0', headers })
  assert.equal(profile.statusCode, 400)
  assert.equal(profile.json().code, 'FSR_ERR_INVALID_REQUEST')
})

test('read-only endpoints stay open: probes and scrapers carry no token', async (t) => {
  const admin = (await startRunner(t, { admin: { port: 0, token: TOKEN } })).admin!
  for (const url of ['/health', '/health/live', '/health/ready', '/ready', '/services', '/metrics', '/log-level']) {
    const response = await admin.inject(url)
    assert.equal(response.statusCode, 200, url)
  }
})

test('on loopback without a token, every endpoint is open', async (t) => {
  const admin = (await startRunner(t, { admin: { port: 0 } })).admin!
  const change = await admin.inject({ method: 'PUT', url: '/log-level', payload: { level: 'warn' } })
  assert.equal(change.statusCode, 200)
})

test('a non-loopback admin host without a token is refused at creation', () => {
  assert.throws(() => createRunner({ server: { port: 0 }, admin: { port: 0, host: '0.0.0.0' } }), {
    code: 'FSR_ERR_INVALID_OPTIONS',
    message: /admin\.host: got "0\.0\.0\.0"; expected a loopback address/,
  })
})

test('the token comparison takes equal-length digests, whatever the lengths given', () => {
  const expected = createHash('sha256').update(TOKEN).digest()
  const request = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as never
  assert.equal(hasToken(request(`Bearer ${TOKEN}`), expected), true)
  assert.equal(hasToken(request(`bearer   ${TOKEN}`), expected), true, 'the scheme is case-insensitive')
  assert.equal(hasToken(request('Bearer x'), expected), false)
  assert.equal(hasToken(request(`Bearer ${TOKEN.repeat(10)}`), expected), false)
  assert.equal(hasToken(request(), expected), false)
})

test('POST /upgrade with the token answers 409 with the reason when the runner cannot upgrade', async (t) => {
  const admin = (await startRunner(t, { admin: { port: 0, token: TOKEN } })).admin!
  const response = await admin.inject({ method: 'POST', url: '/upgrade', headers: { authorization: `Bearer ${TOKEN}` } })
  assert.equal(response.statusCode, 409)
  assert.deepEqual(response.json(), { ok: false, reason: 'upgrade needs the process handlers (signals: false)' })
})
