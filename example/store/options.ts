// Where the example's embedded store keeps its data, from the environment (FSR_EXAMPLE_DATA_DIR).
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { FSR_ERR_EXAMPLE_STORE_OPTIONS } from './errors.ts'

export interface ResolvedStoreOptions { readonly engine: 'pglite', readonly dataDir: string, readonly socketPath: string }

/** The default data directory: kept across runs (until the temporary directory is cleaned). */
export const DEFAULT_DATA_DIR = join(tmpdir(), 'fsr-example-notes')

// A unix socket path holds 104 bytes on macOS (108 on Linux), its terminating zero included.
const MAX_SOCKET_PATH_BYTES = 103

export function resolveStoreOptions (env: NodeJS.ProcessEnv = process.env): ResolvedStoreOptions {
  const problems: string[] = []
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
