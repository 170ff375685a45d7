// Listening sockets handed to this process as file descriptors, by systemd socket activation or
// by the previous generation during an upgrade: LISTEN_FDS / LISTEN_FDNAMES / LISTEN_PID.
import { closeSync } from 'node:fs'

/** The first inherited descriptor (SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3

type Env = Readonly<Record<string, string | undefined>>

export class InheritedSockets {
  #byName = new Map<string, number>()

  /**
   * Reads the LISTEN_* variables, trusting them only when LISTEN_PID names this process. Names come
   * from LISTEN_FDNAMES; an unnamed descriptor takes the next of `positional` (`main`, then `admin`).
   */
  constructor (env: Env = process.env, pid = process.pid, positional: readonly string[] = ['main', 'admin']) {
    const count = Number(env.LISTEN_FDS)
    if (env.LISTEN_PID !== String(pid) || !Number.isInteger(count) || count < 1) return
    const names = (env.LISTEN_FDNAMES ?? '').split(':')
    const unnamed = [...positional]
    for (let i = 0; i < count; i++) {
      const given = names[i]
      const name = given === undefined || given === '' || given === 'unknown' ? unnamed.shift() : given
      if (name !== undefined && !this.#byName.has(name)) this.#byName.set(name, LISTEN_FDS_START + i)
      else if (name !== undefined) this.#byName.set(`${name}#${i}`, LISTEN_FDS_START + i)
    }
  }

  get size (): number {
    return this.#byName.size
  }

  /** The descriptor named `name`, handed over once: a second take gets nothing. */
  take (name: string): number | undefined {
    const fd = this.#byName.get(name)
    this.#byName.delete(name)
    return fd
  }

  /** Closes every descriptor nobody took, so no socket stays open unserved; returns their names. */
  closeUnused (): string[] {
    const names = [...this.#byName.keys()]
    for (const fd of this.#byName.values()) {
      try {
        closeSync(fd)
      } catch {
        // Already closed: nothing to release.
      }
    }
    this.#byName.clear()
    return names
  }
}

/** Removes the LISTEN_* variables so that processes we spawn do not take them for their own. */
export function forgetListenEnv (env: Record<string, string | undefined> = process.env): void {
  delete env.LISTEN_FDS
  delete env.LISTEN_FDNAMES
  delete env.LISTEN_PID
}
