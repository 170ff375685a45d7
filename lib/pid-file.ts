// The PID file: written atomically (a reader sees the old pid or the new one, never a torn file)
// and never through a symlink someone planted: the temporary file has an unpredictable name and is
// created exclusively, and rename() replaces whatever is at the target rather than following it.
import { randomBytes } from 'node:crypto'
import { lstat, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { FSR_ERR_PID_FILE, messageOf } from './errors.ts'

function temporaryNameFor (path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`)
}

export async function writePidFile (path: string, pid: number): Promise<void> {
  const temporary = temporaryNameFor(path)
  const file = await open(temporary, 'wx', 0o644)
  try {
    try {
      await file.writeFile(`${pid}\n`)
    } finally {
      await file.close()
    }
    await rename(temporary, path)
  } catch (err) {
    await rm(temporary, { force: true })
    throw err
  }
}

/**
 * Before anything boots: proves the PID file can be written where it is configured (a temporary
 * file can be created in its directory, and the path is not a directory), without writing it.
 */
export async function checkPidFile (path: string): Promise<void> {
  try {
    const existing = await lstat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined
      throw err
    })
    if (existing?.isDirectory() === true) throw new Error('the path is a directory')
    const temporary = temporaryNameFor(path)
    await (await open(temporary, 'wx', 0o644)).close()
    await rm(temporary)
  } catch (err) {
    throw new FSR_ERR_PID_FILE(path, messageOf(err), { cause: err })
  }
}
