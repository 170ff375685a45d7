import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ExitCode } from '../../../lib/exit-codes.ts'
import { startFixture } from '../../helpers/fixture-process.ts'
import { startOtlpReceiver } from '../../helpers/otlp-receiver.ts'

test('an uncaught error exits 1 after the spans so far reached the OTLP receiver', async (t) => {
  const receiver = await startOtlpReceiver(t)
  const fixture = startFixture(t, 'telemetry-server.ts', {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_BSP_SCHEDULE_DELAY: '600000',
  })
  const { address } = await fixture.waitForLine((line) => line.msg === 'runner started') as { address: { port: number } }
  await (await fetch(`http://127.0.0.1:${address.port}/notes/before-crash`)).arrayBuffer()
  await (await fetch(`http://127.0.0.1:${address.port}/crash`)).arrayBuffer()
  const { code } = await fixture.exited
  assert.equal(code, ExitCode.CRASH, fixture.describe())
  const paths = receiver.spans.filter((span) => span.name === 'request').map((span) => span.attributes['url.path'])
  assert.deepEqual(paths.sort(), ['/crash', '/notes/before-crash'])
  assert.ok(receiver.spans.some((span) => span.name === 'stop notes'), 'the stop after the crash is exported too')
})
