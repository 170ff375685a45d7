// A pino destination that sends every line to systemd's journal as a native-protocol datagram.
// It parses and sends on the main thread: a pino transport (worker thread) took half of the main
// thread's share per record but twice the CPU in all, served more only where it fell behind, and
// lost the records still in its worker at exit (docs/journal.md). The sendto is most of the cost.
import { EventEmitter } from 'node:events'
import { fstatSync, statSync } from 'node:fs'
import { pino } from 'pino'
import { FSR_ERR_JOURNAL_UNAVAILABLE } from './errors.ts'
import { encodeJournalRecord } from './journal-record.ts'
import { loadDgramSocket, type DgramSocket } from './unix-datagram.ts'

type Env = Readonly<Record<string, string | undefined>>

export interface JournalTarget {
  readonly socket: string
  readonly identifier: string
}

/** Records waiting for the socket (journald busy) past this many bytes go to stdout instead. */
const MAX_WAITING_BYTES = 4 * 1024 * 1024
/** The socket is closed after this long without a record: an open one keeps the process alive. */
const IDLE_CLOSE_MS = 100

/** How the destination tells of a change (records going to stdout, or back to the journal), through the logger it serves. */
export type JournalReport = (level: 'warn' | 'info', fields: Record<string, unknown>, message: string) => void

/**
 * True when JOURNAL_STREAM (`device:inode`, set by systemd) names the file that `fd` (stdout) is:
 * systemd's documented sign that stdout goes to the journal. A child that inherits the variable
 * with another stdout sees another inode.
 */
export function isJournalStream (env: Env, fd = 1): boolean {
  const value = env.JOURNAL_STREAM
  if (value === undefined || !/^\d+:\d+$/.test(value)) return false
  try {
    const { dev, ino } = fstatSync(fd, { bigint: true })
    return value === `${dev}:${ino}`
  } catch {
    return false
  }
}

/** Why records cannot go to the journal at `socket`, or undefined when they can. */
function unavailable (socket: string): Error | undefined {
  const Socket = loadDgramSocket()
  if (Socket instanceof Error) return new FSR_ERR_JOURNAL_UNAVAILABLE(socket, 'the optional dependency node-unix-socket cannot be loaded: install it', { cause: Socket })
  try {
    if (!statSync(socket).isSocket()) return new FSR_ERR_JOURNAL_UNAVAILABLE(socket, 'it is not a socket')
  } catch (err) {
    return new FSR_ERR_JOURNAL_UNAVAILABLE(socket, `it cannot be reached (${(err as NodeJS.ErrnoException).code ?? 'stat failed'})`, { cause: err })
  }
  return undefined
}

/**
 * A pino destination stream: `write(line)` sends the line as one journal record. A record the
 * journal refuses, or one that would wait behind MAX_WAITING_BYTES, goes to stdout as its JSON line.
 */
export class JournalDestination extends EventEmitter {
  readonly #target: JournalTarget
  #socket: DgramSocket | undefined
  #idle: NodeJS.Timeout | undefined
  #hasWritten = false
  #waitingBytes = 0
  #waitingRecords = 0
  #stdout: ReturnType<typeof pino.destination> | undefined
  /** Lines sent to stdout since the journal last took one; undefined while it takes them. */
  #toStdout: number | undefined
  report: JournalReport = () => {}

  constructor (target: JournalTarget) {
    super()
    this.#target = target
  }

  /** True while records wait for the socket: the runner's exit waits for 'drain' (as for pino's own stream). */
  get _writing (): boolean {
    return this.#waitingRecords > 0
  }

  write (line: string): boolean {
    const record = encodeJournalRecord(line, this.#target.identifier)
    if (this.#waitingBytes + record.length > MAX_WAITING_BYTES) {
      this.#fallBack(line, new FSR_ERR_JOURNAL_UNAVAILABLE(this.#target.socket, `${this.#waitingBytes} bytes of records wait for it, the most this process holds`))
      return true
    }
    this.#waitingBytes += record.length
    this.#waitingRecords++
    const sent = (err?: Error | null): void => this.#sent(line, record.length, err ?? undefined)
    try {
      this.#open().sendTo(record, 0, record.length, this.#target.socket, sent)
    } catch (err) {
      sent(err as Error)
    }
    return true
  }

  /** Calls back once no record waits for the socket (pino's logger.flush()). */
  flush (cb?: (err?: Error) => void): void {
    if (this.#waitingRecords === 0) process.nextTick(() => cb?.())
    else this.once('drain', () => cb?.())
  }

  flushSync (): void {
    this.#stdout?.flushSync()
  }

  #open (): DgramSocket {
    this.#hasWritten = true
    if (this.#socket !== undefined) return this.#socket
    const Socket = loadDgramSocket() as new () => DgramSocket
    this.#socket = new Socket()
    this.#idle = setTimeout(() => this.#closeIfIdle(), IDLE_CLOSE_MS).unref()
    this.#hasWritten = false
    return this.#socket
  }

  #closeIfIdle (): void {
    if (this.#hasWritten || this.#waitingRecords > 0) {
      this.#hasWritten = false
      this.#idle?.refresh()
      return
    }
    this.#socket?.close()
    this.#socket = undefined
    this.#idle = undefined
  }

  #sent (line: string, bytes: number, err: Error | undefined): void {
    this.#waitingBytes -= bytes
    this.#waitingRecords--
    if (err !== undefined) this.#fallBack(line, new FSR_ERR_JOURNAL_UNAVAILABLE(this.#target.socket, `sending failed (${err.message})`, { cause: err }))
    // Back once the queue has room again, so that a busy journal does not flip this at every record.
    else if (this.#toStdout !== undefined && this.#waitingBytes < MAX_WAITING_BYTES / 2) {
      const lines = this.#toStdout
      this.#toStdout = undefined
      this.report('info', { socket: this.#target.socket, lines }, 'journal reachable again')
    }
    if (this.#waitingRecords === 0) this.emit('drain')
  }

  #fallBack (line: string, err: Error): void {
    this.#stdout ??= pino.destination({ dest: 1, sync: true })
    this.#stdout.write(line)
    if (this.#toStdout !== undefined) {
      this.#toStdout++
      return
    }
    this.#toStdout = 1
    // Written through the logger: it goes to the journal, or, while that fails, to stdout after this line.
    this.report('warn', { err, socket: this.#target.socket }, 'journal send failed, logging to stdout')
  }
}

/** The journal destination, or why the journal is unavailable (the logger then writes to stdout). */
export function openJournalDestination (target: JournalTarget): JournalDestination | Error {
  return unavailable(target.socket) ?? new JournalDestination(target)
}
