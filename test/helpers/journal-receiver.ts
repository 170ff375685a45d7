// A stand-in for journald's native socket: a unix datagram socket in a temp dir, bound with
// node-unix-socket, and a decoder of the native protocol (`NAME=value\n`, or `NAME\n` + 64-bit
// little-endian length + value + `\n`).
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { DgramSocket } from 'node-unix-socket'

export interface JournalRecord {
  readonly fields: Readonly<Record<string, string>>
  /** Names of the fields sent in the binary (length-prefixed) form. */
  readonly binary: readonly string[]
  readonly bytes: number
}

/** Decodes one datagram; throws on anything the protocol does not allow (journald would drop it). */
export function decodeJournalDatagram (datagram: Buffer): JournalRecord {
  const fields: Record<string, string> = {}
  const binary: string[] = []
  let at = 0
  while (at < datagram.length) {
    const newline = datagram.indexOf(0x0a, at)
    if (newline === -1) throw new Error(`field at byte ${at} does not end with a newline`)
    const equals = datagram.indexOf(0x3d, at)
    let name: string
    let value: string
    if (equals !== -1 && equals < newline) {
      name = datagram.toString('latin1', at, equals)
      value = datagram.toString('utf8', equals + 1, newline)
      at = newline + 1
    } else {
      name = datagram.toString('latin1', at, newline)
      const length = Number(datagram.readBigUInt64LE(newline + 1))
      const start = newline + 9
      value = datagram.toString('utf8', start, start + length)
      if (datagram[start + length] !== 0x0a) throw new Error(`binary field ${name} does not end with a newline`)
      binary.push(name)
      at = start + length + 1
    }
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(name)) throw new Error(`field name ${JSON.stringify(name)} is not one journald accepts`)
    if (name in fields) throw new Error(`field ${name} sent twice`)
    fields[name] = value
  }
  return { fields, binary, bytes: datagram.length }
}

/**
 * Binds a journal socket in a directory of its own; `records` fills as datagrams arrive. Both go
 * after the test. node-unix-socket reads at most 65,535 bytes of a datagram: records stay below.
 */
export interface JournalSocket {
  readonly socket: string
  readonly records: JournalRecord[]
  /** Closes the socket and removes its path, as a stopped journald would leave it. */
  close (): Promise<void>
  /** Binds the path again (after close); records keep filling the same array. */
  bind (): void
}

export async function tempJournalSocket (t: TestContext): Promise<JournalSocket> {
  const dir = await mkdtemp(join(tmpdir(), 'fsr-journal-'))
  const socket = join(dir, 'journal.sock')
  const records: JournalRecord[] = []
  let receiver: DgramSocket | undefined
  const bind = (): void => {
    receiver = new DgramSocket()
    receiver.bind(socket)
    receiver.on('data', (datagram: Buffer) => records.push(decodeJournalDatagram(datagram)))
  }
  const close = async (): Promise<void> => {
    receiver?.close()
    receiver = undefined
    await rm(socket, { force: true })
  }
  bind()
  t.after(async () => {
    await close()
    await rm(dir, { recursive: true, force: true })
  })
  return { socket, records, close, bind }
}

export interface JournalFixture {
  readonly child: ChildProcess
  /** The main server's port, once the fixture says it listens (on stderr). */
  readonly port: Promise<number>
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  readonly stderr: () => string
}

/** Runs test/fixtures/journal-server.ts with `env`; its stdout goes to `stdout` ('pipe' or a file descriptor). */
export function startJournalFixture (t: TestContext, env: Record<string, string>, stdout: 'pipe' | number = 'pipe'): JournalFixture {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/journal-server.ts'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, FSR_ADMIN_PORT: '0', ...env },
    stdio: ['ignore', stdout, 'pipe'],
  })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let stderr = ''
  const port = new Promise<number>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      const found = /\{"event":"listening","port":(\d+)\}/.exec(stderr)
      if (found !== null) resolve(Number(found[1]))
    })
    child.once('exit', () => reject(new Error(`the fixture exited before listening; stderr:\n${stderr}`)))
  })
  const exited = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }))
  return { child, port, exited, stderr: () => stderr }
}
