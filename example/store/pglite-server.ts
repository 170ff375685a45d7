// The embedded store's own process: it owns a PGlite data directory and serves queries to every
// generation of the example over a unix socket in that directory. Started by the first generation
// that finds none (`pglite-client.ts`), with its data directory as its only argument.
//
// Why a process that outlives generations: PGlite runs initdb and recovery inside WASM on the thread
// that opens it (seconds), and only one process may open a data directory at a time. During an
// upgrade the new generation boots while the old one still serves, and the old one stops only once
// the new one is ready, so neither may wait for the other to close the directory. Here neither
// opens it: both use this process. Each generation holds a lease (its connection); the store closes
// the directory and exits when the last lease ends (released, or its process gone). A lock file
// keeps a second store process (two programs started at once) off the same directory.
import { PGlite } from '@electric-sql/pglite'
import { createServer, type Server, type Socket } from 'node:net'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pino } from 'pino'
import { releaseDataDirLock, takeDataDirLock } from './data-dir-lock.ts'
import { readFrames, writeFrame, type StoreRequest } from './frames.ts'

// A store nobody connected to once it was ready (its generation stopped meanwhile) does not stay.
const IDLE_MS = 10_000

const dataDir = process.argv[2]
const socketPath = join(dataDir, 'store.sock')
// stdout is the store's log file (store.log in the data directory).
const log = pino({ base: { pid: process.pid, name: 'store' } }, pino.destination({ sync: true }))

let stopReason: string | undefined
let stopping: Promise<void> | undefined
let db: PGlite | undefined
let server: Server | undefined
const leases = new Set<Socket>()
let idle: NodeJS.Timeout | undefined

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => { void stop(signal) })

const owner = await takeDataDirLock(dataDir)
if (owner !== undefined) {
  log.info({ owner }, 'data directory in use by another store process')
  if (process.connected) {
    process.send?.({ type: 'busy', owner })
    process.disconnect?.()
  }
} else {
  await open()
}

async function open (): Promise<void> {
  db = await PGlite.create(join(dataDir, 'pgdata'))
  // A signal came while the directory opened: close it again.
  if (stopReason !== undefined) return await stop(stopReason)
  // We hold the lock: a socket file left in the directory is a dead store's.
  await rm(socketPath, { force: true })
  server = createServer(serve)
  await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(socketPath, resolve))
  log.info({ dataDir }, 'store process ready')
  // The channel to the generation that started it: gone when that one stopped meanwhile.
  if (!process.connected) return void stop('its generation stopped while it opened')
  process.send?.({ type: 'ready' })
  process.disconnect?.()
  idle = setTimeout(() => { void stop('no generation connected') }, IDLE_MS)
}

function serve (socket: Socket): void {
  // Closing: the generation retries and finds the next store process.
  if (stopping !== undefined) return void socket.destroy()
  clearTimeout(idle)
  leases.add(socket)
  log.info({ leases: leases.size }, 'lease taken')
  writeFrame(socket, { id: 0, hello: { pid: process.pid } })
  readFrames<StoreRequest>(socket, (request) => { void answer(socket, request) })
  socket.on('error', (err) => log.warn({ err }, 'lease connection failed'))
  socket.on('close', () => {
    if (!leases.delete(socket)) return
    log.info({ leases: leases.size }, 'lease ended without a release')
    if (leases.size === 0) void stop('its last generation is gone')
  })
}

async function answer (socket: Socket, request: StoreRequest): Promise<void> {
  if (request.op === 'release') {
    leases.delete(socket)
    log.info({ leases: leases.size }, 'lease released')
    const isLast = leases.size === 0
    // The last generation hears back once the directory is closed: its stop includes the store's.
    if (isLast) await stop('its last lease was released')
    writeFrame(socket, { id: request.id, released: true, closed: isLast })
    socket.end()
    return
  }
  try {
    const rows = request.params === undefined
      ? (await db!.exec(request.text)).at(-1)?.rows ?? []
      : (await db!.query(request.text, [...request.params])).rows
    if (!socket.destroyed) writeFrame(socket, { id: request.id, rows })
  } catch (err) {
    const { message, code } = err as { message: string, code?: string }
    if (!socket.destroyed) writeFrame(socket, { id: request.id, error: { message, code } })
  }
}

function stop (reason: string): Promise<void> {
  stopReason ??= reason
  // Still opening: open() closes once PGlite is up (its initdb cannot be interrupted safely).
  if (db === undefined) return Promise.resolve()
  stopping ??= closeAll()
  return stopping
}

async function closeAll (): Promise<void> {
  clearTimeout(idle)
  log.info({ reason: stopReason }, 'store process stopping')
  server?.close()
  for (const socket of leases) socket.destroy()
  await db?.close()
  await releaseDataDirLock(dataDir)
  log.info('store process stopped')
  // Nothing should be left to keep the process; if something is, it is not worth waiting for.
  setTimeout(() => process.exit(0), 1_000).unref()
}
