import assert from 'node:assert/strict'
import { once } from 'node:events'
import net from 'node:net'
import { test } from 'node:test'
import { startFixture, waitFor } from '../helpers/fixture-process.ts'
import { tempNotifySocket } from '../helpers/notify-receiver.ts'

/** A port free right now on 127.0.0.1, for a main server that must never listen on it. */
async function freePort (): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

function isRefused (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('connect', () => { socket.destroy(); resolve(false) })
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'))
  })
}

test('SIGTERM during a prestart stage: the stage is aborted, no service loads, exit 0, the main port never listened', { timeout: 20_000 }, async (t) => {
  const port = await freePort()
  const { socket, datagrams } = await tempNotifySocket(t)
  const fixture = startFixture(t, 'prestart-hang-server.ts', { FSR_PORT: String(port), NOTIFY_SOCKET: socket })
  const admin = await fixture.waitForLine((line) => line.msg === 'admin server listening') as { port: number }
  await fixture.waitForLine((line) => line.msg === 'stage waiting' && line.prestart === 'wait-for-db')

  // The admin server answers already, and says the runner is not ready.
  const ready = await fetch(`http://127.0.0.1:${admin.port}/health/ready`)
  assert.equal(ready.status, 503)
  assert.equal((await ready.json() as { runner: string }).runner, 'starting')
  assert.equal(await isRefused(port), true, 'the main port is not listening during prestart')

  fixture.child.kill('SIGTERM')
  const { code, signal } = await fixture.exited
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, fixture.describe())
  const messages = fixture.lines.map((line) => line.msg)
  assert.ok(messages.includes('shutdown signal received'), fixture.describe())
  assert.ok(messages.includes('stage saw abort'), fixture.describe())
  assert.ok(messages.includes('prestart aborted'), fixture.describe())
  assert.ok(!messages.includes('service init'), 'no service loaded')
  assert.ok(!messages.includes('runner started'))
  assert.equal(messages.at(-1), 'runner stopped', fixture.describe())
  // systemd hears the stop, and never a READY=1 for a runner that did not start.
  await waitFor(() => datagrams.length > 0)
  assert.deepEqual(datagrams.map((d) => d.message.split('\n')[0]), ['STOPPING=1'])
  assert.equal(await isRefused(port), true, 'nothing listens on the main port after the exit')
})
