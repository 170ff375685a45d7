import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { pino } from 'pino'
import { createRunner, defineService, type WorkerContext } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

test('a worker logs with service bound to parent/name (once per line), nested workers too, at its service\'s level', async (t) => {
  const raw: string[] = []
  const logger = pino({ level: 'info' }, new Writable({ write (chunk: Buffer, _encoding, done) { raw.push(...chunk.toString().split('\n').filter((line) => line !== '')); done() } }))
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger })
  runner.register(defineService({
    name: 'orders',
    init (ctx) {
      const partition = ctx.child('partition-3')
      assert.equal(partition.name, 'orders/partition-3')
      partition.log.info({ offset: 7 }, 'partition consumed')
      const commit = partition.child('commit')
      assert.equal(commit.name, 'orders/partition-3/commit')
      commit.log.warn('commit slow')
      // A worker starts at its service's level, not the runner's.
      runner.serviceLogger('orders')!.level = 'debug'
      ctx.child('debugging').log.debug('worker detail')
    },
  }))
  await runner.start()
  t.after(() => runner.stop())
  const lines = raw.map((line) => ({ line, json: JSON.parse(line) as Record<string, unknown> }))
  const of = (msg: string) => lines.find(({ json }) => json.msg === msg)
  for (const [msg, service] of [['partition consumed', 'orders/partition-3'], ['commit slow', 'orders/partition-3/commit'], ['worker detail', 'orders/debugging']]) {
    const found = of(msg)
    assert.ok(found !== undefined, `"${msg}" is written`)
    assert.equal(found.json.service, service)
    assert.equal(found.line.split('"service":').length, 2, `"${msg}" carries service once, not the parent's as well`)
  }
  assert.equal(of('partition consumed')!.json.offset, 7)
})

test('the live workers of a service follow each level its logger is set to; the runner leaves no listener on the logger once stopped', async (t) => {
  const logs = captureLogs('info')
  const runner = createRunner({ server: false, signals: false, admin: false, pressure: false, logger: logs.logger })
  const made: Record<string, WorkerContext> = {}
  runner.register(defineService({
    name: 'orders',
    init (ctx) {
      made.partition = ctx.child('partition-3')
      made.commit = made.partition.child('commit')
      made.ended = ctx.child('ended')
      made.ended.abort()
    },
  }))
  runner.register(defineService({ name: 'billing', init (ctx) { made.other = ctx.child('invoices') } }))
  const listenersBefore = logs.logger.listenerCount('level-change')
  await runner.start()
  t.after(() => runner.stop())
  assert.equal(logs.logger.listenerCount('level-change'), listenersBefore + 1, 'one listener for the whole runner')

  runner.serviceLogger('orders')!.level = 'debug'
  assert.equal(made.partition.log.level, 'debug')
  assert.equal(made.commit.log.level, 'debug', 'a worker of a worker too')
  made.commit.log.debug('commit detail')
  assert.equal(logs.messages('commit detail')[0]?.service, 'orders/partition-3/commit')
  assert.equal(made.ended.log.level, 'info', 'an ended worker is left as it was')
  assert.equal(made.other.log.level, 'info', 'the workers of another service keep theirs')

  runner.serviceLogger('orders')!.level = 'warn'
  assert.equal(made.partition.log.level, 'warn')
  assert.equal(made.commit.log.level, 'warn')

  await runner.stop()
  assert.equal(logs.logger.listenerCount('level-change'), listenersBefore, 'nothing of the runner stays on the logger')
  runner.serviceLogger('orders')!.level = 'trace'
  assert.equal(made.partition.log.level, 'warn', 'after the stop the workers are over')
})
