// Which store the example runs on, from the environment: a real PostgreSQL when DATABASE_URL is
// set, else the embedded PGlite in a data directory (FSR_EXAMPLE_DATA_DIR).
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { FSR_ERR_EXAMPLE_STORE_OPTIONS } from './errors.ts'

export type ResolvedStoreOptions =
  | { readonly engine: 'postgres', readonly url: string }
  | { readonly engine: 'pglite', readonly dataDir: string, readonly socketPath: string }

/** The default data directory: kept across runs (until the temporary directory is cleaned). */
export const DEFAULT_DATA_DIR = join(tmpdir(), 'fsr-example-notes')

// A unix socket path holds 104 bytes on macOS (108 on Linux), its terminating zero included.
const MAX_SOCKET_PATH_BYTES = 103

export function resolveStoreOptions (env: NodeJS.ProcessEnv = process.env): ResolvedStoreOptions {
  const problems: string[] = []
  const url = env.DATABASE_URL
  if (url !== undefined && url !== '') {
    const protocol = URL.canParse(url) ? new URL(url).protocol : undefined
    if (protocol === 'postgres:' || protocol === 'postgresql:') return Object.freeze({ engine: 'postgres', url })
    // The URL may hold a password: the message names only what was wrong with it.
    problems.push(`DATABASE_URL: expected a postgres:// or postgresql:// URL, got ${protocol === undefined ? 'something that is not a URL' : `a ${protocol}// URL`}`)
  }
  const dir = env.FSR_EXAMPLE_DATA_DIR
  if (dir === '') problems.push('FSR_EXAMPLE_DATA_DIR: expected a directory path, got an empty string (unset it for the default)')
  const dataDir = resolve(dir === undefined || dir === '' ? DEFAULT_DATA_DIR : dir)
  const socketPath = join(dataDir, 'store.sock')
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    problems.push(`FSR_EXAMPLE_DATA_DIR: ${dataDir} is too long for the store's unix socket (${socketPath} has ${Buffer.byteLength(socketPath)} bytes, at most ${MAX_SOCKET_PATH_BYTES}); choose a shorter directory`)
  }
  if (problems.length > 0) throw new FSR_ERR_EXAMPLE_STORE_OPTIONS(problems.map((problem) => `  - ${problem}`).join('\n'))
  return Object.freeze({ engine: 'pglite', dataDir, socketPath })
}
