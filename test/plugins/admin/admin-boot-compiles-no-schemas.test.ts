import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type Runner } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

// Every built-in on, as users run it: the admin server with metrics and debug routes.
async function startRunner (t: TestContext): Promise<Runner> {
  const runner = createRunner({ server: false, admin: { port: 0 }, signals: false, logger: captureLogs('warn').logger })
  runner.register(defineService({ name: 'store' }))
  t.after(() => runner.stop())
  await runner.start()
  return runner
}

test('the admin server boots without building a request validator or compiling a response serializer', async (t) => {
  const runner = await startRunner(t)
  const admin = runner.admin!
  // Fastify sets these up at boot only for routes with request (validator) or response (serializer) schemas.
  assert.equal(admin.validatorCompiler, undefined, 'no Ajv instance for the admin routes')
  assert.equal(admin.serializerCompiler, undefined, 'no response schema compiled at boot')
})

test('with its schema compiled on the first answer, a route answers JSON as before, the first time and after', async (t) => {
  const runner = await startRunner(t)
  const admin = runner.admin!
  for (let round = 0; round < 2; round++) {
    for (const [url, body] of [['/health/ready', { ready: true, runner: 'running', unhealthy: [] }], ['/ready', { ready: true, runner: 'running', unhealthy: [] }]] as const) {
      const response = await admin.inject(url)
      assert.equal(response.statusCode, 200)
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8')
      assert.equal(response.body, JSON.stringify(body))
    }
    const services = await admin.inject('/services')
    assert.equal(services.headers['content-type'], 'application/json; charset=utf-8')
    assert.deepEqual(services.json().services.map((service: { name: string }) => service.name), ['store'])
  }
})

test('bad querystring and body fields answer 400 FSR_ERR_INVALID_REQUEST saying what is accepted, with no validator built', async (t) => {
  const runner = await startRunner(t)
  const admin = runner.admin!
  const cases = [
    { method: 'PUT', url: '/log-level/store', payload: { level: 'loud' }, message: /body\/level must be one of fatal, error, warn, info, debug, trace, silent; got "loud"/ },
    { method: 'PUT', url: '/log-level/store', payload: {}, message: /body\/level is required: one of fatal, error/ },
    { method: 'PUT', url: '/log-level/store', payload: [{ level: 'debug' }], message: /body must be an object such as \{"level":"debug"\}/ },
    { method: 'PUT', url: '/log-level/store', payload: { level: 'debug', revertAfterMs: 1.5 }, message: /body\/revertAfterMs must be an integer from 1 to 86400000; got 1.5/ },
    { method: 'PUT', url: '/log-level/store', payload: { level: 'debug', revertAfterMs: 'soon' }, message: /body\/revertAfterMs must be an integer from 1 to 86400000; got "soon"/ },
    { method: 'GET', url: '/debug/pprof/profile?seconds=0', message: /querystring\/seconds must be an integer from 1 to 60; got "0"/ },
    { method: 'GET', url: '/debug/pprof/heap?seconds=abc', message: /querystring\/seconds must be an integer from 1 to 60; got "abc"/ },
  ] as const
  for (const { message, ...request } of cases) {
    const response = await admin.inject(request)
    assert.equal(response.statusCode, 400, `${request.url} ${response.body}`)
    assert.equal(response.json().code, 'FSR_ERR_INVALID_REQUEST')
    assert.match(response.json().message, message)
    assert.deepEqual(Object.keys(response.json()), ['statusCode', 'code', 'error', 'message'])
  }
  assert.equal(runner.serviceLogger('store')!.level, 'warn', 'nothing changed')
  assert.equal(admin.validatorCompiler, undefined)
})

test('as with the schemas before: a numeric string is read as a number and fields nobody asked for are ignored', async (t) => {
  const runner = await startRunner(t)
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const response = await runner.admin!.inject({ method: 'PUT', url: '/log-level/store?other=1', payload: { level: 'debug', revertAfterMs: '1000', other: true } })
  assert.equal(response.statusCode, 200, response.body)
  assert.deepEqual(Object.keys(response.json()), ['target', 'level', 'previous', 'revertAt'])
  assert.equal(runner.serviceLogger('store')!.level, 'debug')
  t.mock.timers.tick(1000)
  assert.equal(runner.serviceLogger('store')!.level, 'warn')
})
