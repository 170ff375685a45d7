import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService } from '../../../lib/index.ts'
import { resolveAdminOptions } from '../../../plugins/admin/options.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

const SPACES = ' '.repeat(20)
const INNER = 'correct horse battery staple'

test('a token of spaces, or with whitespace in it, is refused without being echoed: it could never match', () => {
  for (const [input, env, source] of [
    [{ token: SPACES }, {}, 'admin.token'],
    [{ token: INNER }, {}, 'admin.token'],
    [{ token: 'a-token-long-enough\n' }, {}, 'admin.token'],
    [{ token: 'a-token-long-enough-é' }, {}, 'admin.token'],
    [{}, { FSR_ADMIN_TOKEN: `${INNER}` }, 'FSR_ADMIN_TOKEN'],
  ] as const) {
    assert.throws(() => resolveAdminOptions(input, env), (err: Error & { code: string, problems: string[] }) => {
      assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
      assert.equal(err.problems.length, 1, err.message)
      assert.match(err.message, new RegExp(`${source}: got .*; expected a string of at least 16 characters, visible ASCII only \\(no spaces or other whitespace\\)`))
      assert.ok(!err.message.includes(INNER) && !err.message.includes('a-token-long-enough'), 'the token is never echoed')
      return true
    }, JSON.stringify(input))
  }
})

test('every token the options accept opens the protected endpoints', async (t) => {
  const token = '!#$%&\'*+-.^_`|~0123456789abcdefXYZ'
  const runner = createRunner({ server: { port: 0 }, admin: { port: 0, token }, signals: false, logger: captureLogs('silent').logger })
  runner.register(defineService({ name: 'store' }))
  t.after(() => runner.stop())
  await runner.start()
  const response = await runner.admin!.inject({ method: 'PUT', url: '/log-level', headers: { authorization: `Bearer ${token}` }, payload: { level: 'info' } })
  assert.equal(response.statusCode, 200, response.body)
})
