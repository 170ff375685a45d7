import assert from 'node:assert/strict'
import { once } from 'node:events'
import { test } from 'node:test'
import { startOtlpReceiver } from '../../helpers/otlp-receiver.ts'
import { upgradeFixture } from '../../helpers/upgrade-fixture.ts'

test('an upgrade flushes the old generation\'s spans before the new one starts, and the rest before the old one exits', async (t) => {
  const receiver = await startOtlpReceiver(t)
  const { fixture, port } = await upgradeFixture(t, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_BSP_SCHEDULE_DELAY: '600000',
  }, 'telemetry-server.ts')
  for (const id of ['old-1', 'old-2']) await (await fetch(`http://127.0.0.1:${port}/notes/${id}`)).arrayBuffer()
  assert.equal(receiver.spans.length, 0, 'nothing exported before the upgrade')

  const exit = once(fixture.child, 'exit')
  fixture.child.kill('SIGHUP')
  const handedOver = await fixture.waitForLine((line) => line.msg === 'upgrade handed over, draining')
  const newPid = handedOver.newPid as number
  // The new generation's first line comes after the flush: its spawn waited for it.
  const paths = receiver.spans.filter((span) => span.name === 'request').map((span) => span.attributes['url.path'])
  assert.deepEqual(paths.sort(), ['/notes/old-1', '/notes/old-2'], 'flushed before the new process started')
  await fixture.waitForLine((line) => line.pid === newPid && line.msg === 'runner started')
  const [code] = await exit
  assert.equal(code, 0, fixture.describe())

  // Exported by the old process before it exited: its upgrade and its shutdown.
  const upgrade = receiver.spans.find((span) => span.name === 'upgrade')
  assert.ok(upgrade !== undefined, receiver.spans.map((span) => span.name).join(', '))
  assert.equal(upgrade.attributes['fsr.upgrade.pid'], newPid)
  assert.equal(upgrade.statusCode, 0)
  assert.equal(receiver.spans.filter((span) => span.name === 'shutdown').length, 1, 'the old generation\'s shutdown')
  assert.ok(receiver.spans.some((span) => span.name === 'stop notes'))
  // The new generation's spans wait in its own batch (a 10-minute delay here).
  assert.equal(receiver.spans.filter((span) => span.name === 'boot').length, 1)
  process.kill(newPid, 'SIGTERM')
})
