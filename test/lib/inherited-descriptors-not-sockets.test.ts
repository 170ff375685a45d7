import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, openSync, readlinkSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { waitFor } from '../helpers/fixture-process.ts'

// LISTEN_PID must be the program's own pid: a shell sets it, then execs the program (as systemd would).
function startActivated (t: TestContext, env: Record<string, string>, fds: number[] = [], listenPid = '$$') {
  const child = spawn('/bin/sh', ['-c', `LISTEN_PID=${listenPid}; export LISTEN_PID; exec "$@"`, 'sh', process.execPath, '--import', 'tsx', 'test/fixtures/upgrade-server.ts'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, FSR_ADMIN_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...fds],
  })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const lines: Array<Record<string, unknown>> = []
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line)))
  const exited = once(child, 'close').then(([code]) => code as number | null)
  return { child, lines, exited, stderr: () => stderr }
}

// Node has no public way to read a server's descriptor.
const fdOf = (handle: unknown) => (handle as { _handle: { fd: number } })._handle.fd

async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fsr-inherited-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

for (const names of [undefined, 'main:admin', 'spare:other']) {
  test(`LISTEN_FDS=2 (names ${names ?? 'unset'}) with nothing passed: the runtime's own descriptors are left alone and SIGTERM ends the program with 0`, { timeout: 30_000 }, async (t) => {
    const env: Record<string, string> = { LISTEN_FDS: '2', FSR_PID_FILE: join(await tempDir(t), 'app.pid') }
    if (names !== undefined) env.LISTEN_FDNAMES = names
    const program = startActivated(t, env)
    await waitFor(() => program.lines.some((l) => l.msg === 'runner started') || program.child.exitCode !== null, 20_000)
    assert.ok(program.lines.some((l) => l.msg === 'runner started'), program.stderr())
    program.child.kill('SIGTERM')
    assert.equal(await program.exited, 0, program.stderr())
    const warning = program.lines.find((l) => l.msg === 'inherited descriptors ignored: not passed to this process')
    assert.deepEqual(warning?.fds, [3, 4])
    assert.ok(!program.lines.some((l) => l.msg === 'listening on inherited socket'))
  })
}

async function openFifo (t: TestContext): Promise<number> {
  const fifo = join(await tempDir(t), 'fifo')
  execFileSync('mkfifo', [fifo])
  // Read-write: opening a FIFO so does not wait for the other end.
  return openSync(fifo, 'r+')
}

test('an unused inherited pipe is left open, an unused inherited socket is closed', { timeout: 30_000 }, async (t) => {
  const main = createServer()
  const spare = createServer()
  for (const server of [main, spare]) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const pipe = await openFifo(t)
  const program = startActivated(t, { LISTEN_FDS: '3', LISTEN_FDNAMES: 'main:spare:extra', FSR_PID_FILE: join(await tempDir(t), 'app.pid') }, [fdOf(main), fdOf(spare), pipe])
  for (const server of [main, spare]) server.close()
  closeSync(pipe)
  await waitFor(() => program.lines.some((l) => l.msg === 'runner started') || program.child.exitCode !== null, 20_000)
  assert.ok(program.lines.some((l) => l.msg === 'runner started'), program.stderr())
  assert.deepEqual(program.lines.find((l) => l.msg === 'inherited sockets closed: nothing listens on them')?.sockets, ['spare'])
  assert.deepEqual(program.lines.find((l) => l.msg === 'inherited descriptors left open: not sockets')?.fds, [5])
  assert.match(readlinkSync(`/proc/${program.child.pid}/fd/5`), /fifo$/, 'descriptor 5 is still the pipe')
  program.child.kill('SIGTERM')
  assert.equal(await program.exited, 0, program.stderr())
})

test('LISTEN_PID of another process: the passed socket is neither taken nor closed', { timeout: 30_000 }, async (t) => {
  const listener = createServer()
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  const program = startActivated(t, { LISTEN_FDS: '1', LISTEN_FDNAMES: 'main', FSR_PID_FILE: join(await tempDir(t), 'app.pid') }, [fdOf(listener)], '1')
  listener.close()
  await waitFor(() => program.lines.some((l) => l.msg === 'runner started') || program.child.exitCode !== null, 20_000)
  assert.ok(program.lines.some((l) => l.msg === 'runner started'), program.stderr())
  assert.ok(!program.lines.some((l) => l.msg === 'listening on inherited socket' || l.msg === 'inherited sockets closed: nothing listens on them'))
  assert.match(readlinkSync(`/proc/${program.child.pid}/fd/3`), /^socket:/)
  program.child.kill('SIGTERM')
  assert.equal(await program.exited, 0, program.stderr())
})

async function assertRefused (t: TestContext, fd: number, kind: string) {
  const program = startActivated(t, { LISTEN_FDS: '1', LISTEN_FDNAMES: 'main', FSR_PID_FILE: join(await tempDir(t), 'app.pid') }, [fd])
  closeSync(fd)
  assert.equal(await program.exited, 1)
  assert.match(program.stderr(), /code: 'FSR_ERR_INHERITED_SOCKET'/)
  assert.match(program.stderr(), new RegExp(`descriptor 3 \\(main\\) is ${kind}, not a listening stream socket`))
}

test('a pipe passed as main is refused with FSR_ERR_INHERITED_SOCKET', { timeout: 30_000 }, async (t) => {
  await assertRefused(t, await openFifo(t), 'a pipe')
})

test('a file passed as main is refused with FSR_ERR_INHERITED_SOCKET', { timeout: 30_000 }, async (t) => {
  const file = join(await tempDir(t), 'file')
  writeFileSync(file, 'not a socket')
  await assertRefused(t, openSync(file, 'r'), 'a file')
})

test('a datagram socket passed as main is refused with FSR_ERR_INHERITED_SOCKET', { timeout: 30_000 }, async (t) => {
  const udp = createSocket('udp4')
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve))
  t.after(() => udp.close())
  const program = startActivated(t, { LISTEN_FDS: '1', LISTEN_FDNAMES: 'main', FSR_PID_FILE: join(await tempDir(t), 'app.pid') }, [fdOf(udp)])
  assert.equal(await program.exited, 1)
  assert.match(program.stderr(), /code: 'FSR_ERR_INHERITED_SOCKET'/)
  assert.match(program.stderr(), /descriptor 3 \(main\) could not listen/)
})
