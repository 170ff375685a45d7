import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService, type ServiceContext } from '../../lib/index.ts'
import { redactUrlCredentials } from '../../lib/redact-url-credentials.ts'
import { captureLogs } from '../helpers/log-capture.ts'
import { waitForHealth } from '../helpers/wait-for-health.ts'

const SECRET = 'PASSWORD'

test('credentials in URLs are redacted, the rest of the text is kept', () => {
  for (const [text, expected] of [
    ['connect failed: postgres://app:PASSWORD@db/app', 'connect failed: postgres://app:***@db/app'],
    ['redis://:PASSWORD@cache:6379 and amqp://guest:PASSWORD@mq', 'redis://:***@cache:6379 and amqp://guest:***@mq'],
    ['fetch https://ghp_PASSWORD@github.com/x failed', 'fetch https://***@github.com/x failed'],
    ['mysql://app:p@ss@PASSWORD@db:3306/app?ssl=true', 'mysql://app:***@db:3306/app?ssl=true'],
    ['MONGODB+SRV://user:PASSWORD@cluster.example/db', 'MONGODB+SRV://user:***@cluster.example/db'],
    ['no url here, mail me at ops@example.com', 'no url here, mail me at ops@example.com'],
    ['http://db.internal/path?user=a@b', 'http://db.internal/path?user=a@b'],
  ]) assert.equal(redactUrlCredentials(text), expected, text)
})

test('the open admin endpoints and the health log never show credentials from a check or a failed run', async (t) => {
  const logs = captureLogs('info')
  const runner = createRunner({ server: { port: 0 }, admin: { port: 0 }, signals: false, logger: logs.logger })
  let ctx: ServiceContext | undefined
  let failRun: ((err: Error) => void) | undefined
  runner.register(defineService({
    name: 'db',
    health: { interval: 60_000 },
    async init (context) { ctx = context },
    async check () { throw new Error(`connect failed: postgres://app:${SECRET}@db/app`) },
  }))
  runner.register(defineService({
    name: 'queue',
    run: () => new Promise((_resolve, reject) => { failRun = reject }),
  }))
  runner.register(defineService({
    name: 'cache',
    async init (context) { context.health.report('degraded', { reason: `slow: redis://:${SECRET}@cache:6379` }) },
  }))
  t.after(() => runner.stop())
  await runner.start()
  await waitForHealth(ctx!.health, 'db', (change) => change.status === 'unhealthy')
  const failed = waitForHealth(ctx!.health, 'queue', (change) => change.status === 'unhealthy')
  failRun!(new Error(`lost amqp://guest:${SECRET}@mq`))
  await failed

  const health = (await runner.admin!.inject('/health')).json()
  assert.equal(health.services.db.reason, 'connect failed: postgres://app:***@db/app')
  assert.match(health.services.queue.reason, /lost amqp:\/\/guest:\*\*\*@mq$/)
  assert.equal(health.services.cache.reason, 'slow: redis://:***@cache:6379')
  const services = (await runner.admin!.inject('/services')).body
  assert.match(services, /amqp:\/\/guest:\*\*\*@mq/, 'the timeline keeps the failure, redacted')
  assert.equal(services.includes(SECRET), false, '/services shows no credential')
  assert.equal(JSON.stringify(runner.health()).includes(SECRET), false, 'runner.health() shows no credential')
  const healthLogs = logs.messages('service health changed')
  assert.ok(healthLogs.length >= 3)
  assert.equal(JSON.stringify(healthLogs).includes(SECRET), false, 'the health log shows no credential')
})
