// Unix datagram sockets for systemd's notify and journal sockets. Node has none, so they come from
// the optional native module `node-unix-socket`, loaded here once for both.
import { createRequire } from 'node:module'

export interface DgramSocket {
  sendTo (buf: Buffer, offset: number, length: number, path: string, cb?: (err?: Error) => void): void
  close (): void
}

// sun_path is 108 bytes on Linux, one of them the terminating NUL.
export const MAX_SOCKET_PATH_BYTES = 107

let loaded: (new () => DgramSocket) | Error | undefined

/** node-unix-socket's DgramSocket class, or the error that loading it threw (the module is optional). */
export function loadDgramSocket (): (new () => DgramSocket) | Error {
  if (loaded !== undefined) return loaded
  try {
    const require = createRequire(import.meta.url)
    loaded = (require('node-unix-socket') as { DgramSocket: new () => DgramSocket }).DgramSocket
  } catch (err) {
    loaded = err as Error
  }
  return loaded
}

/** Why `path` cannot name a unix socket we send to, or undefined when it can. */
export function socketPathProblem (path: string): string | undefined {
  if (!path.startsWith('/')) return 'is not an absolute path'
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) return `is longer than ${MAX_SOCKET_PATH_BYTES} bytes`
  return undefined
}
