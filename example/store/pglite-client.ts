// A generation's side of the embedded store: connects to the store process of the data directory,
// or starts one when none serves it (see pglite-server.ts for why a process of its own), and holds
// a lease on it until close(). A lost connection (the store process killed) fails the queries under
// way and reports it; the next query connects again, starting a new store process if need be.
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type { FastifyBaseLogger } from 'fastify'
import { FSR_ERR_EXAMPLE_QUERY, FSR_ERR_EXAMPLE_STORE_EXITED, FSR_ERR_EXAMPLE_STORE_GONE } from './errors.ts'
import { readFrames, writeFrame, type StoreRequest, type StoreResponse } from './frames.ts'
import type { QueryResult, Store } from './store.ts'

const SERVER = fileURLToPath(new URL('./pglite-server.ts', import.meta.url))
// How long to wait before looking again when another store process still holds the directory (closing).
const BUSY_RETRY_MS = 100

type RequestBody = StoreRequest extends infer R ? R extends { id: number } ? Omit<R, 'id'> : never : never

export interface PgliteStoreOptions {
  readonly dataDir: string
  readonly socketPath: string
  readonly log: FastifyBaseLogger
  /** Called when the connection to the store process is lost. */
  readonly onGone: (reason: string) => void
}

interface Lease {
  readonly socket: Socket
  readonly storePid: number
  readonly spawned: boolean
}

export class PgliteStore implements Store {
  readonly #options: PgliteStoreOptions
  readonly #pending = new Map<number, { resolve: (response: StoreResponse) => void, reject: (err: Error) => void }>()
  readonly #closing = new AbortController()
  #lease: Lease | undefined
  #reconnecting: Promise<Lease> | undefined
  #nextId = 1

  private constructor (options: PgliteStoreOptions) {
    this.#options = options
  }

  /** Connects (starting the store process when none serves the directory); `signal` gives up waiting. */
  static async open (options: PgliteStoreOptions, signal: AbortSignal): Promise<{ store: PgliteStore, storePid: number, spawned: boolean }> {
    const store = new PgliteStore(options)
    const lease = await store.#connect(signal)
    return { store, storePid: lease.storePid, spawned: lease.spawned }
  }

  async query<Row = Record<string, unknown>> (text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    const response = await this.#request({ op: 'query', text, params })
    if ('error' in response) throw Object.assign(new FSR_ERR_EXAMPLE_QUERY(response.error.message), { sqlState: response.error.code })
    return { rows: (response as { rows: Row[] }).rows }
  }

  async close (): Promise<void> {
    if (this.#closing.signal.aborted) return
    const lease = this.#lease
    this.#closing.abort(new FSR_ERR_EXAMPLE_STORE_GONE('the store was closed'))
    if (lease === undefined) return
    // Answered once the store process has closed the directory, when this was its last lease.
    await this.#send(lease, { op: 'release' }).catch(() => {})
    lease.socket.destroy()
  }

  async #request (body: RequestBody): Promise<StoreResponse> {
    const closing = this.#closing.signal
    if (closing.aborted) throw closing.reason
    const lease = this.#lease ?? await (this.#reconnecting ??= this.#connect(closing).finally(() => { this.#reconnecting = undefined }))
    return await this.#send(lease, body)
  }

  #send (lease: Lease, body: RequestBody): Promise<StoreResponse> {
    if (lease.socket.destroyed) return Promise.reject(new FSR_ERR_EXAMPLE_STORE_GONE(`store process ${lease.storePid} went away`))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      writeFrame(lease.socket, { id, ...body } as StoreRequest)
    })
  }

  async #connect (signal: AbortSignal): Promise<Lease> {
    const { dataDir, socketPath, log } = this.#options
    let spawned = false
    for (;;) {
      signal.throwIfAborted()
      const lease = await this.#take(socketPath, spawned)
      if (lease !== undefined) {
        this.#lease = lease
        return lease
      }
      const outcome = await spawnStore(dataDir, log, signal)
      spawned = outcome === 'ready'
      if (outcome === 'busy') await delay(BUSY_RETRY_MS, undefined, { signal })
    }
  }

  /** A lease on the store process listening on the socket, or undefined when none serves it. */
  #take (socketPath: string, spawned: boolean): Promise<Lease | undefined> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath)
      let lease: Lease | undefined
      readFrames<StoreResponse>(socket, (message) => {
        if ('hello' in message) {
          lease = { socket, storePid: message.hello.pid, spawned }
          return resolve(lease)
        }
        const waiting = this.#pending.get(message.id)
        this.#pending.delete(message.id)
        waiting?.resolve(message)
      })
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (lease !== undefined) return
        if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') resolve(undefined)
        else reject(err)
      })
      socket.on('close', () => {
        // Closed before the hello: a store process that is stopping; look again.
        if (lease === undefined) return resolve(undefined)
        this.#lost(lease)
      })
    })
  }

  #lost (lease: Lease): void {
    if (this.#lease === lease) this.#lease = undefined
    const gone = new FSR_ERR_EXAMPLE_STORE_GONE(`store process ${lease.storePid} went away`)
    // Queries under way fail (a release that the store process could not answer ends this way too).
    for (const waiting of this.#pending.values()) waiting.reject(gone)
    this.#pending.clear()
    if (!this.#closing.signal.aborted) this.#options.onGone(gone.message)
  }
}

/** Starts a store process on the directory; 'busy' when another one holds it. */
async function spawnStore (dataDir: string, log: FastifyBaseLogger, signal: AbortSignal): Promise<'ready' | 'busy'> {
  await mkdir(dataDir, { recursive: true })
  const logFile = join(dataDir, 'store.log')
  const output = openSync(logFile, 'a')
  // Its own process group: Ctrl-C in a terminal reaches the generation, which then lets go of its lease.
  const child = spawn(process.execPath, [...process.execArgv, SERVER, dataDir], { detached: true, stdio: ['ignore', output, output, 'ipc'] })
  closeSync(output)
  log.info({ storePid: child.pid, dataDir }, 'store process started')
  const settled = new AbortController()
  try {
    return await new Promise((resolve, reject) => {
      child.once('message', (message: { type: 'ready' | 'busy' }) => resolve(message.type))
      child.once('error', reject)
      child.once('exit', (code, exitSignal) => {
        // Only a store process that stood back for another one exits 0 before it is ready (in case its exit overtook its message).
        if (code === 0) return resolve('busy')
        reject(new FSR_ERR_EXAMPLE_STORE_EXITED(code === null ? `signal ${exitSignal}` : `code ${code}`, logFile))
      })
      signal.addEventListener('abort', () => reject(signal.reason), { once: true, signal: settled.signal })
    })
  } finally {
    settled.abort()
    // The store process lives on by itself: no channel nor handle keeps this process waiting for it.
    child.removeAllListeners()
    if (child.connected) child.disconnect()
    child.unref()
  }
}
