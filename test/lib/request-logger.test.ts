// Fastify's per-request logger under the runner: shared with the instance while the level is
// silent (nothing can be written), a child with the request id as soon as anything can be.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

test('request logs carry the request id once the level lets them through, and a route level works under silent', async (t) => {
  const capture = captureLogs('silent')
  const runner = createRunner({ server: false, signals: false, admin: false, metrics: false, debug: false, pressure: false, logger: capture.logger })
  runner.register(async (app) => {
    app.get('/hello', async (request) => {
      request.log.warn('from the handler')
      return { hello: 'world' }
    })
    app.get('/chatty', { logLevel: 'info' }, async (request) => {
      request.log.info('chatty handler')
      return { chatty: true }
    })
  }, { service: { name: 'api' } })
  t.after(() => runner.stop())
  await runner.start()

  assert.equal((await runner.app.inject('/hello')).statusCode, 200)
  assert.deepEqual(capture.messages('from the handler'), [], 'silent writes nothing')

  // A route's own level gets a child logger of that level, with the request id.
  const chatty = await runner.app.inject('/chatty')
  assert.equal(chatty.statusCode, 200)
  const [line] = capture.messages('chatty handler')
  assert.ok(line !== undefined, 'the route level let the line through')
  assert.match(String(line.reqId), /^req-/)
  assert.equal(capture.logger.level, 'silent', 'the route level did not change the runner logger')

  // The level raised at runtime (as the admin server's /log-level does): the next request logs with its id.
  capture.logger.level = 'warn'
  const response = await runner.app.inject('/hello')
  assert.equal(response.statusCode, 200)
  const [warned] = capture.messages('from the handler')
  assert.ok(warned !== undefined)
  assert.match(String(warned.reqId), /^req-/)
  assert.deepEqual(capture.messages('incoming request').map((request) => (request.req as { url: string }).url), ['/chatty'], 'warn still hides the info request lines of /hello')
})
