// Writes the PID file atomically: a reader sees the old pid or the new one, never a torn file.
import { rename, rm, writeFile } from 'node:fs/promises'

export async function writePidFile (path: string, pid: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`
  try {
    await writeFile(temporary, `${pid}\n`, { mode: 0o644 })
    await rename(temporary, path)
  } finally {
    await rm(temporary, { force: true })
  }
}
