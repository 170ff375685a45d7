import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { pino } from 'pino'
import { createRunner, defineService } from '../../lib/index.ts'

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
