import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner } from '../../../lib/index.ts'
import { isLoopback, resolveAdminOptions } from '../../../plugins/admin/options.ts'

const TOKEN = 'a-token-long-enough-for-the-admin'

test('defaults: 127.0.0.1:9090, no token', () => {
  assert.deepEqual(resolveAdminOptions(undefined, {}), { port: 9090, host: '127.0.0.1', token: undefined, allowInsecure: false, isLoopback: true })
  assert.equal(resolveAdminOptions(false, { FSR_ADMIN_PORT: 'x' }), false, 'admin: false disables it, env unread')
})

test('env overrides defaults, explicit options override env', () => {
  const env = { FSR_ADMIN_PORT: '9100', FSR_ADMIN_HOST: '::1', FSR_ADMIN_TOKEN: TOKEN }
  assert.deepEqual(resolveAdminOptions({}, env), { port: 9100, host: '::1', token: TOKEN, allowInsecure: false, isLoopback: true })
  const explicit = resolveAdminOptions({ port: 0, host: '127.0.0.2' }, env)
  assert.ok(explicit !== false)
  assert.equal(explicit.port, 0)
  assert.equal(explicit.host, '127.0.0.2')
})

test('loopback addresses are told apart from the rest', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) assert.equal(isLoopback(host), true, host)
  for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.internal', '128.0.0.1']) assert.equal(isLoopback(host), false, host)
})

test('a non-loopback host needs a token, unless allowInsecure', () => {
  assert.throws(() => resolveAdminOptions({ host: '0.0.0.0' }, {}), (err: Error & { code: string, problems: string[] }) => {
    assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
    assert.match(err.message, /admin\.host: got "0\.0\.0\.0"; expected a loopback address .* unless a token is set .*allowInsecure/)
    return true
  })
  assert.equal((resolveAdminOptions({ host: '0.0.0.0', token: TOKEN }, {}) as { isLoopback: boolean }).isLoopback, false)
  assert.equal((resolveAdminOptions({ host: '0.0.0.0', allowInsecure: true }, {}) as { token?: string }).token, undefined)
  assert.doesNotThrow(() => resolveAdminOptions({}, { FSR_ADMIN_HOST: '0.0.0.0', FSR_ADMIN_TOKEN: TOKEN }))
})

test('a short token is refused without being echoed', () => {
  assert.throws(() => resolveAdminOptions({ token: 'hunter2' }, {}), (err: Error) => {
    assert.match(err.message, /admin\.token: got "\(a string that is too short\)"; expected a string of at least 16 characters/)
    assert.doesNotMatch(err.message, /hunter2/)
    return true
  })
})

test('the main and admin ports cannot be the same, reported with every other problem', () => {
  assert.throws(() => createRunner({
    server: { port: 9090 },
    log: { level: 'loud' as never },
    admin: { port: 9090, host: 'localhost', colour: 'red' } as never,
    metrics: { requests: 'yes' } as never,
    debug: { maxProfileSeconds: 0 },
  }), (err: Error & { code: string, problems: string[] }) => {
    assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
    assert.equal(err.problems.length, 6, err.message)
    for (const expected of [
      /log\.level: got "loud"/,
      /admin\.colour: got "red"; expected no such key/,
      /admin\.host: got "localhost"/,
      /admin\.port: got 9090; expected a port other than the main server's \(server\.port is 9090\)/,
      /metrics\.requests: got "yes"; expected true or false/,
      /debug\.maxProfileSeconds: got 0/,
    ]) assert.match(err.message, expected)
    return true
  })
  // Port 0 picks a free port for each: never a clash.
  assert.doesNotThrow(() => createRunner({ server: { port: 0 }, admin: { port: 0 } }))
})

test('admin: false creates no admin server', () => {
  const runner = createRunner({ server: { port: 0 }, admin: false })
  assert.equal(runner.admin, undefined)
  assert.ok(createRunner({ server: { port: 0 }, admin: { port: 0 } }).admin)
})
