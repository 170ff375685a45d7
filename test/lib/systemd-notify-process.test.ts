import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { isAlive } from '../../lib/process-control.ts'
import { startFixture, waitFor } from '../helpers/fixture-process.ts'
import { fields, notifySocket } from '../helpers/notify-receiver.ts'

test('notify messages through an upgrade and a shutdown, from the right pids', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'fsr-notify-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const name = join(dir, 'notify.sock')
  const datagrams = await notifySocket(t, name)
  const pidFile = join(dir, 'app.pid')
  const fixture = startFixture(t, 'upgrade-server.ts', { NOTIFY_SOCKET: name, WATCHDOG_USEC: '200000', FSR_PID_FILE: pidFile })
  const first = fixture.child.pid as number
  await waitFor(() => datagrams.some((d) => d.message.includes('READY=1')))
  await waitFor(() => existsSync(pidFile))
  process.kill(first, 'SIGHUP')
  await waitFor(() => datagrams.some((d) => d.message.includes('MAINPID=')), 30_000)
  const second = Number(fields(datagrams.find((d) => d.message.includes('MAINPID='))!).MAINPID)
  t.after(() => { if (isAlive(second)) process.kill(second, 'SIGKILL') })
  assert.equal(Number((await readFile(pidFile, 'utf8')).trim()), second)
  await waitFor(() => !isAlive(first), 20_000)
  await waitFor(() => datagrams.some((d) => d.pid === second && d.message === 'WATCHDOG=1'))
  process.kill(second, 'SIGTERM')
  await waitFor(() => !isAlive(second), 20_000)
  await waitFor(() => datagrams.some((d) => d.message.startsWith('STOPPING=1')))

  const lifecycle = datagrams.filter((d) => d.message !== 'WATCHDOG=1')
  assert.deepEqual(lifecycle.map((d) => [d.pid, Object.keys(fields(d)).join(',')]), [
    [first, 'READY,STATUS'],
    [first, 'RELOADING,MONOTONIC_USEC'],
    [first, 'MAINPID,READY,STATUS'],
    [second, 'STOPPING,STATUS'],
  ])
  assert.match(fields(lifecycle[1]).MONOTONIC_USEC, /^\d+$/)
  assert.ok(datagrams.some((d) => d.pid === first && d.message === 'WATCHDOG=1'), 'the first generation pinged the watchdog')
})

test('an abstract NOTIFY_SOCKET is reported as unsupported, and the program runs on', { timeout: 30_000 }, async (t) => {
  const fixture = startFixture(t, 'upgrade-server.ts', { NOTIFY_SOCKET: '@fsr-abstract' })
  await fixture.waitForLine((l) => l.msg === 'runner started')
  assert.ok(fixture.lines.some((l) => l.msg === 'systemd notify unavailable: abstract socket names are not supported yet, use a path' && l.level === 40))
  fixture.child.kill('SIGTERM')
  assert.equal((await fixture.exited).code, 0)
})

test('socket activation: the main server takes the listening socket named in LISTEN_FDS', { timeout: 30_000 }, async (t) => {
  const listener: Server = createServer()
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  const { port } = listener.address() as { port: number }
  const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd
  const dir = await mkdtemp(join(tmpdir(), 'fsr-activation-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  // What systemd does for a .socket unit: the socket at fd 3, LISTEN_PID set to the new pid.
  const child = spawn('/bin/sh', ['-c', 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"', 'sh', process.execPath, '--import', 'tsx', 'test/fixtures/upgrade-server.ts'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, LISTEN_FDS: '1', LISTEN_FDNAMES: 'main', FSR_ADMIN_PORT: '0', FSR_PID_FILE: join(dir, 'app.pid') },
    stdio: ['ignore', 'pipe', 'inherit', fd],
  })
  t.after(() => child.kill('SIGKILL'))
  listener.close()
  const lines: Array<Record<string, unknown>> = []
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line)))
  await waitFor(() => lines.some((l) => l.msg === 'runner started'), 20_000)
  assert.ok(lines.some((l) => l.msg === 'listening on inherited socket' && l.name === 'main' && l.fd === 3))
  const response = await fetch(`http://127.0.0.1:${port}/work?ms=1`)
  assert.equal(((await response.json()) as { pid: number }).pid, child.pid)
  child.kill('SIGTERM')
  const [code] = await new Promise<[number | null]>((resolve) => child.once('exit', (c) => resolve([c])))
  assert.equal(code, 0)
})
