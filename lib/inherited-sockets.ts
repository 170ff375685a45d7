// Listening sockets handed to this process as file descriptors, by systemd socket activation or
// by the previous generation during an upgrade: LISTEN_FDS / LISTEN_FDNAMES / LISTEN_PID.
import { closeSync, constants, fstatSync, type Stats } from 'node:fs'
import type { Logger } from 'pino'
import { FSR_ERR_INHERITED_SOCKET } from './errors.ts'

/** The first inherited descriptor (SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3

type Env = Readonly<Record<string, string | undefined>>

/**
 * What `fd` is, or undefined when it was not passed to us: closed, or an anonymous inode (epoll,
 * eventfd), which is what the runtime opens first at the lowest free number once nothing sits there.
 */
function kindOf (fd: number): string | undefined {
  let stats: Stats
  try {
    stats = fstatSync(fd)
  } catch {
    return undefined
  }
  if ((stats.mode & constants.S_IFMT) === 0) return undefined
  if (stats.isSocket()) return 'socket'
  if (stats.isFIFO()) return 'a pipe'
  if (stats.isFile()) return 'a file'
  return 'not a socket'
}

interface Inherited { readonly fd: number, readonly kind: string }

export class InheritedSockets {
  #byName = new Map<string, Inherited>()
  #notPassed: number[] = []

  /**
   * Reads the LISTEN_* variables, trusting them only when LISTEN_PID names this process. Names come
   * from LISTEN_FDNAMES; an unnamed descriptor takes the next of `positional` (`main`, then `admin`).
   * Descriptors are passed in a row from 3 on: from the first one we did not get, none is ours.
   */
  constructor (env: Env = process.env, pid = process.pid, positional: readonly string[] = ['main', 'admin']) {
    if (env.LISTEN_PID !== String(pid) || !/^\d+$/.test(env.LISTEN_FDS ?? '')) return
    const count = Number(env.LISTEN_FDS)
    const names = (env.LISTEN_FDNAMES ?? '').split(':')
    const unnamed = [...positional]
    for (let i = 0; i < count; i++) {
      const fd = LISTEN_FDS_START + i
      const kind = kindOf(fd)
      if (kind === undefined) {
        for (let rest = fd; rest < LISTEN_FDS_START + count; rest++) this.#notPassed.push(rest)
        break
      }
      const given = names[i]
      const name = given === undefined || given === '' || given === 'unknown' ? unnamed.shift() : given
      if (name !== undefined && !this.#byName.has(name)) this.#byName.set(name, { fd, kind })
      else if (name !== undefined) this.#byName.set(`${name}#${i}`, { fd, kind })
    }
  }

  get size (): number {
    return this.#byName.size
  }

  /**
   * The socket named `name`, handed over once: a second take gets nothing. Throws
   * FSR_ERR_INHERITED_SOCKET when that descriptor is not a socket (a pipe, a file).
   */
  take (name: string): number | undefined {
    const inherited = this.#byName.get(name)
    if (inherited === undefined) return undefined
    this.#byName.delete(name)
    if (inherited.kind !== 'socket') throw new FSR_ERR_INHERITED_SOCKET(inherited.fd, name, `is ${inherited.kind}, not a listening stream socket`)
    return inherited.fd
  }

  /**
   * Closes every socket nobody took, so none stays open unserved, and says so. Descriptors that are
   * not sockets, or were never passed, may be the runtime's own: they are only reported, never closed.
   */
  closeUnused (log: Logger): void {
    const closed: string[] = []
    const notSockets: number[] = []
    for (const [name, { fd, kind }] of this.#byName) {
      if (kind !== 'socket') {
        notSockets.push(fd)
        continue
      }
      closed.push(name)
      try {
        closeSync(fd)
      } catch {
        // Already closed: nothing to release.
      }
    }
    this.#byName.clear()
    if (closed.length > 0) log.warn({ sockets: closed }, 'inherited sockets closed: nothing listens on them')
    if (notSockets.length > 0) log.warn({ fds: notSockets }, 'inherited descriptors left open: not sockets')
    if (this.#notPassed.length > 0) log.warn({ fds: this.#notPassed }, 'inherited descriptors ignored: not passed to this process')
    this.#notPassed = []
  }
}

/** Removes the LISTEN_* variables so that processes we spawn do not take them for their own. */
export function forgetListenEnv (env: Record<string, string | undefined> = process.env): void {
  delete env.LISTEN_FDS
  delete env.LISTEN_FDNAMES
  delete env.LISTEN_PID
}
