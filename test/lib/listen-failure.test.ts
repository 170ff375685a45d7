import assert from 'node:assert/strict'
import { createServer, type AddressInfo } from 'node:net'
import { test } from 'node:test'
import { createRunner, defineService } from '../../lib/index.ts'
import { resolveRunnerOptions } from '../../lib/options.ts'
import { resolveAdminOptions } from '../../plugins/admin/options.ts'
import { captureLogs } from '../helpers/log-capture.ts'

test('a host that is no IP address nor host name is refused at option resolution, before anything boots', () => {
  for (const [input, env, source] of [
    [{ server: { host: ' 127.0.0.1' } }, {}, 'server.host'],
    [{}, { FSR_HOST: ' 127.0.0.1' }, 'FSR_HOST'],
    [{}, { FSR_HOST: '127.0.0.1\n' }, 'FSR_HOST'],
    [{ server: { host: 'my host' } }, {}, 'server.host'],
    [{ server: { host: 'bad_host!' } }, {}, 'server.host'],
    [{ server: { host: '[::1]' } }, {}, 'server.host'],
    [{ server: { host: '-db.internal' } }, {}, 'server.host'],
    [{ server: { host: 'LOCALHOST' } }, {}, 'server.host'],
  ] as const) {
    assert.throws(() => resolveRunnerOptions(input as never, env), (err: Error & { code: string, problems: string[] }) => {
      assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
      assert.equal(err.problems.length, 1, err.message)
      assert.match(err.problems[0], new RegExp(`^- ${source.replace('.', '\\.')}: got .*; expected an explicit IP address or host name \\(letters, digits, hyphens and dots, no spaces around it\\)`))
      return true
    }, JSON.stringify([input, env]))
  }
  assert.throws(() => resolveAdminOptions({}, { FSR_ADMIN_HOST: ' 127.0.0.1' }), { code: 'FSR_ERR_INVALID_OPTIONS', message: /FSR_ADMIN_HOST: got " 127\.0\.0\.1"/ })
  for (const host of ['127.0.0.1', '::1', '0.0.0.0', '::', 'fe80::1%lo', 'db', 'api.example.internal', 'node-1.cluster.local.']) {
    assert.equal((resolveRunnerOptions({ server: { host } }, {}).server as { host: string }).host, host)
  }
})

test('a port in use fails start() with FSR_ERR_LISTEN naming host:port, the system error as cause, and every started service stopped', async (t) => {
  const taken = createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise((resolve) => taken.close(resolve)))
  const { port } = taken.address() as AddressInfo
  const stopped: string[] = []
  const runner = createRunner({ server: { port, host: '127.0.0.1' }, admin: { port: 0 }, signals: false, logger: captureLogs('silent').logger })
  runner.register(defineService({ name: 'store', async stop () { stopped.push('store') } }))
  await assert.rejects(runner.start(), (err: Error & { code: string, cause: NodeJS.ErrnoException }) => {
    assert.equal(err.code, 'FSR_ERR_LISTEN')
    assert.match(err.message, new RegExp(`^the main server could not listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`))
    assert.equal(err.cause.code, 'EADDRINUSE')
    return true
  })
  assert.deepEqual(stopped, ['store'])
  assert.equal(runner.status, 'stopped')
  assert.equal(runner.admin!.server.listening, false, 'the admin server closed too')
})

test('an IPv6 address is named in brackets', async (t) => {
  const taken = createServer()
  const isIpv6 = await new Promise<boolean>((resolve) => {
    taken.once('error', () => resolve(false))
    taken.listen(0, '::1', () => resolve(true))
  })
  if (!isIpv6) return t.skip('no IPv6 loopback on this machine')
  t.after(() => new Promise((resolve) => taken.close(resolve)))
  const { port } = taken.address() as AddressInfo
  const runner = createRunner({ server: { port, host: '::1' }, admin: false, signals: false, logger: captureLogs('silent').logger })
  await assert.rejects(runner.start(), { code: 'FSR_ERR_LISTEN', message: new RegExp(`on \\[::1\\]:${port}: `) })
})
