// A stand-in for systemd's notify socket (test/fixtures/notify-receiver.py): every datagram a
// process sends to it, with the sender's pid.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { waitFor } from './fixture-process.ts'

export interface Datagram { pid: number, message: string }

/** Binds a notify socket at `name`; the returned array fills as datagrams arrive. */
export async function notifySocket (t: TestContext, name: string): Promise<Datagram[]> {
  const receiver = spawn('python3', [fileURLToPath(new URL('../fixtures/notify-receiver.py', import.meta.url)), name], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => receiver.kill('SIGKILL'))
  const datagrams: Datagram[] = []
  let isBound = false
  createInterface({ input: receiver.stdout }).on('line', (line) => {
    const parsed = JSON.parse(line) as Datagram & { bound?: string }
    if (parsed.bound !== undefined) isBound = true
    else datagrams.push(parsed)
  })
  await waitFor(() => isBound)
  return datagrams
}

/** The KEY=value lines of one datagram. */
export const fields = (datagram: Datagram): Record<string, string> => Object.fromEntries(datagram.message.split('\n').map((line) => line.split('=')))

/** A notify socket in a directory of its own, removed after the test. */
export async function tempNotifySocket (t: TestContext): Promise<{ socket: string, datagrams: Datagram[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'fsr-notify-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const socket = join(dir, 'notify.sock')
  return { socket, datagrams: await notifySocket(t, socket) }
}
