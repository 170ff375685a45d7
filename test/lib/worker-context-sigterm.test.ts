import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startFixture } from '../helpers/fixture-process.ts'

test('SIGTERM ends every worker\'s loop, nested ones too, before its service is stopped; exit 0', async (t) => {
  const fixture = startFixture(t, 'worker-pool-server.ts', { FSR_LOG_LEVEL: 'debug' })
  const started = await fixture.waitForLine((line) => line.msg === 'workers started')
  assert.deepEqual(started.workers, ['orders/consumer-1', 'orders/consumer-2', 'orders/consumer-1/commit'])
  await fixture.waitForLine((line) => line.msg === 'runner started')
  fixture.child.kill('SIGTERM')
  const { code, signal } = await fixture.exited
  assert.deepEqual([code, signal], [0, null], fixture.describe())
  const ended = fixture.lines.filter((line) => line.msg === 'worker loop ended')
  assert.deepEqual(ended.map((line) => line.service).sort(), ['orders/consumer-1', 'orders/consumer-1/commit', 'orders/consumer-2'])
  assert.deepEqual([...new Set(ended.map((line) => line.reason))], ['the service is stopping'], 'each worker hears its service\'s reason')
  const stopped = fixture.lines.findIndex((line) => line.msg === 'service state changed' && line.service === 'orders' && line.state === 'stopped')
  assert.ok(stopped > fixture.lines.lastIndexOf(ended.at(-1)!), 'the loops ended before the service counted as stopped')
})
