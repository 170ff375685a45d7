import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { DgramSocket } from 'node-unix-socket'
import { createSystemdNotifier, watchdogInterval } from '../../lib/systemd-notify.ts'
import { startFixture, waitFor } from '../helpers/fixture-process.ts'
import { captureLogs } from '../helpers/log-capture.ts'

const MAX_TIMER_MS = 2 ** 31 - 1

test('watchdogInterval: half of WATCHDOG_USEC in ms, clamped to what a timer holds; anything but a positive decimal integer is no watchdog', () => {
  const interval = (usec: string, env: Record<string, string> = {}) => watchdogInterval({ WATCHDOG_USEC: usec, ...env }, 42)
  assert.equal(interval('200000'), 100)
  assert.equal(interval('1000'), 1)
  assert.equal(interval(String(58 * 24 * 3600 * 1_000_000)), MAX_TIMER_MS, '58 days')
  assert.equal(interval(String(MAX_TIMER_MS * 2000)), MAX_TIMER_MS)
  assert.equal(interval(String(MAX_TIMER_MS * 2000 + 2000)), MAX_TIMER_MS)
  assert.equal(interval('1' + '0'.repeat(23)), MAX_TIMER_MS, '1e23 written out')
  for (const garbage of ['1e23', '1e5', '1.5', '0x10', '-5', ' 100', '100 ', '', 'abc', '0', 'Infinity']) {
    assert.equal(interval(garbage), undefined, JSON.stringify(garbage))
  }
  assert.equal(watchdogInterval({}, 42), undefined)
  assert.equal(interval('200000', { WATCHDOG_PID: '42' }), 100)
  assert.equal(interval('200000', { WATCHDOG_PID: '43' }), undefined)
})

test('an over-long or relative NOTIFY_SOCKET disables notify with one warning', () => {
  for (const [socket, reason] of [[`/tmp/${'x'.repeat(103)}`, 'is longer than 107 bytes'], ['notify.sock', 'is not an absolute path']]) {
    const logs = captureLogs()
    const notifier = createSystemdNotifier(logs.logger, { NOTIFY_SOCKET: socket })
    assert.equal(notifier.isEnabled, false)
    const warnings = logs.messages('systemd notify disabled: invalid NOTIFY_SOCKET')
    assert.equal(warnings.length, 1)
    const err = warnings[0].err as { code: string, message: string }
    assert.equal(err.code, 'FSR_ERR_NOTIFY_SOCKET')
    assert.ok(err.message.includes(reason), err.message)
  }
  // 107 bytes is the most a unix socket path holds: still accepted.
  const notifier = createSystemdNotifier(captureLogs().logger, { NOTIFY_SOCKET: `/tmp/${'x'.repeat(102)}` })
  assert.equal(notifier.isEnabled, true)
  notifier.close()
})

test('a WATCHDOG_USEC that is not a positive integer is reported once; notify stays on', () => {
  const logs = captureLogs()
  const notifier = createSystemdNotifier(logs.logger, { NOTIFY_SOCKET: '/tmp/fsr-notify-unused.sock', WATCHDOG_USEC: '1e23' })
  assert.equal(notifier.isEnabled, true)
  notifier.close()
  assert.deepEqual(logs.messages('systemd watchdog disabled: WATCHDOG_USEC is not a positive integer of microseconds').map((l) => l.value), ['1e23'])
})

test('an over-long NOTIFY_SOCKET: the program boots, stays up and exits 0 on SIGTERM', { timeout: 30_000 }, async (t) => {
  const fixture = startFixture(t, 'upgrade-server.ts', { NOTIFY_SOCKET: `/tmp/${'x'.repeat(200)}.sock`, WATCHDOG_USEC: '20000' })
  await fixture.waitForLine((l) => l.msg === 'runner started')
  const warning = await fixture.waitForLine((l) => l.msg === 'systemd notify disabled: invalid NOTIFY_SOCKET')
  assert.equal((warning.err as { code: string }).code, 'FSR_ERR_NOTIFY_SOCKET')
  // Still serving after the point where READY=1 would have been sent.
  const { port } = fixture.lines.find((l) => l.msg === 'runner started')!.address as { port: number }
  assert.equal((await fetch(`http://127.0.0.1:${port}/work?ms=1`)).status, 200)
  fixture.child.kill('SIGTERM')
  assert.equal((await fixture.exited).code, 0, fixture.describe())
})

async function bindReceiver (t: TestContext, path: string): Promise<{ received: string[], close: () => void }> {
  const socket = new DgramSocket()
  const received: string[] = []
  socket.on('data', (data: Buffer) => received.push(data.toString()))
  socket.bind(path)
  let isClosed = false
  const close = () => {
    if (!isClosed) socket.close()
    isClosed = true
  }
  t.after(close)
  return { received, close }
}

test('a dead notify socket is logged once per change (failed, recovered, failed), not once per watchdog ping', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'fsr-notify-dead-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'notify.sock')
  const logs = captureLogs()
  // 10 ms between pings; every ping asks isHealthy() first, so the test counts pings, not time.
  const notifier = createSystemdNotifier(logs.logger, { NOTIFY_SOCKET: path, WATCHDOG_USEC: '20000' })
  t.after(() => notifier.close())
  let pings = 0
  const count = (msg: string) => logs.messages(msg).length
  const waitForPings = async (more: number) => {
    const until = pings + more
    await waitFor(() => pings >= until, 30_000)
  }

  let receiver = await bindReceiver(t, path)
  notifier.startWatchdog(() => { pings++; return true })
  await waitFor(() => receiver.received.includes('WATCHDOG=1'), 10_000)

  receiver.close()
  await rm(path)
  await waitFor(() => count('systemd notify failed') > 0, 10_000)
  await waitForPings(30)
  assert.equal(count('systemd notify failed'), 1, 'one warning for 30 failed pings')

  receiver = await bindReceiver(t, path)
  await waitFor(() => receiver.received.includes('WATCHDOG=1'), 10_000)
  await waitFor(() => count('systemd notify recovered') > 0, 10_000)
  await waitForPings(30)
  assert.equal(count('systemd notify recovered'), 1)
  assert.equal(count('systemd notify failed'), 1)

  receiver.close()
  await rm(path)
  await waitFor(() => count('systemd notify failed') > 1, 10_000)
  await waitForPings(30)
  assert.equal(count('systemd notify failed'), 2)
  assert.equal(count('systemd notify recovered'), 1)
})
