// The lock that lets one process at a time open a PGlite data directory: a file naming its owner's
// pid, made atomically (link of a complete file), taken over only from an owner that is gone.
import { link, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export function lockFileOf (dataDir: string): string {
  return join(dataDir, 'store.lock')
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readOwner (file: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10)
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

/** Makes `file` naming this process, atomically; false when it exists already. */
async function create (file: string): Promise<boolean> {
  const draft = `${file}.${process.pid}`
  await writeFile(draft, `${process.pid}\n`)
  try {
    await link(draft, file)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return false
  } finally {
    await rm(draft, { force: true })
  }
}

/** Takes the data directory's lock: undefined once it is ours, else the pid of the live process that holds it. */
export async function takeDataDirLock (dataDir: string): Promise<number | undefined> {
  const lockFile = lockFileOf(dataDir)
  const takeover = `${lockFile}.takeover`
  for (;;) {
    if (await create(lockFile)) return undefined
    const owner = await readOwner(lockFile)
    if (owner !== undefined && isAlive(owner)) return owner
    // Its owner died without releasing it. Only the holder of the takeover file may remove it, so
    // two stores that both saw it stale cannot both end up owning the directory.
    if (!await create(takeover)) {
      const taker = await readOwner(takeover)
      if (taker !== undefined && isAlive(taker)) return taker
      await rm(takeover, { force: true })
      continue
    }
    try {
      if (await readOwner(lockFile) === owner) await rm(lockFile, { force: true })
    } finally {
      await rm(takeover, { force: true })
    }
  }
}

export async function releaseDataDirLock (dataDir: string): Promise<void> {
  const lockFile = lockFileOf(dataDir)
  if (await readOwner(lockFile) === process.pid) await rm(lockFile, { force: true })
}
