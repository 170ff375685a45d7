// Starts the flagship example (example/index.ts) as a real process on its own data directory, and
// ends what it left behind (later generations, the embedded store's process) when the test is over.
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { isAlive } from '../../lib/process-control.ts'
import { startFixture, waitFor, type Fixture } from './fixture-process.ts'

// The store's first open runs initdb inside WASM: several seconds on a small machine.
export const BOOT_TIMEOUT = 90_000

export interface Example {
  readonly fixture: Fixture
  readonly dataDir: string
  /** The embedded store's lock file: it names the store process while that process owns the data directory. */
  readonly lockFile: string
}

/** A fresh data directory, removed after the test (a store process still in it is stopped first). */
export async function exampleDataDir (t: TestContext): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fsr-example-'))
  t.after(async () => {
    const owner = Number((await readFile(join(dataDir, 'store.lock'), 'utf8').catch(() => '')).trim())
    if (owner > 0 && isAlive(owner)) process.kill(owner, 'SIGKILL')
    await rm(dataDir, { recursive: true, force: true })
  })
  return dataDir
}

export function startExample (t: TestContext, dataDir: string, env: Record<string, string> = {}): Example {
  const fixture = startFixture(t, 'example/index.ts', {
    FSR_PORT: '0', FSR_HOST: '127.0.0.1', FSR_ADMIN_PORT: '0', FSR_LOG_LEVEL: 'debug', FSR_LOG_FORMAT: 'json',
    FSR_EXAMPLE_DATA_DIR: dataDir,
    ...env,
  })
  // Generations after an upgrade are not our children: end them too.
  t.after(() => {
    for (const line of fixture.lines) {
      if (typeof line.newPid === 'number' && isAlive(line.newPid)) process.kill(line.newPid, 'SIGKILL')
    }
  })
  return { fixture, dataDir, lockFile: join(dataDir, 'store.lock') }
}

/** Waits for the boot to end; the addresses of the main and admin servers. */
export async function exampleStarted ({ fixture }: Example): Promise<{ base: string, admin: string }> {
  const started = await fixture.waitForLine((line) => line.msg === 'runner started', BOOT_TIMEOUT) as { address: { port: number } }
  const admin = await fixture.waitForLine((line) => line.msg === 'admin server listening') as { port: number }
  return { base: `http://127.0.0.1:${started.address.port}`, admin: `http://127.0.0.1:${admin.port}` }
}

/** Resolves once `pid` is gone; the store process may take a few seconds to close its database. */
export async function processGone (pid: number, ms = BOOT_TIMEOUT): Promise<void> {
  await waitFor(() => !isAlive(pid), ms, 20)
}

export function hasLockFile ({ lockFile }: Example): boolean {
  return existsSync(lockFile)
}

export function postNote (base: string, body: unknown): Promise<Response> {
  return fetch(`${base}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}
