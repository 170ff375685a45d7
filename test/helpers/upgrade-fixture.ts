// Starts an upgrade fixture program with a PID file in a fresh directory, and ends every generation
// it saw (later generations are not our children) when the test is over.
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { TestContext } from 'node:test'
import { isAlive } from '../../lib/process-control.ts'
import { startFixture, waitFor } from './fixture-process.ts'

/** `pidPath` is the PID file's path inside the test's directory (its folders are created). */
export async function upgradeFixture (t: TestContext, env: Record<string, string> = {}, program = 'upgrade-server.ts', pidPath = 'app.pid') {
  const dir = await mkdtemp(join(tmpdir(), 'fsr-upgrade-'))
  const pidFile = join(dir, pidPath)
  await mkdir(dirname(pidFile), { recursive: true })
  const fixture = startFixture(t, program, { FSR_PID_FILE: pidFile, ...env })
  const started = await fixture.waitForLine((l) => l.msg === 'runner started') as { address: { port: number } }
  const admin = await fixture.waitForLine((l) => l.msg === 'admin server listening') as { port: number }
  const seen = new Set<number>([fixture.child.pid as number])
  t.after(async () => {
    for (const line of fixture.lines) if (typeof line.newPid === 'number') seen.add(line.newPid)
    for (const pid of seen) if (isAlive(pid)) process.kill(pid, 'SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })
  const readPid = async () => Number((await readFile(pidFile, 'utf8')).trim())
  // The PID file is written right after the boot summary.
  await waitFor(() => existsSync(pidFile))
  return { fixture, port: started.address.port, adminPort: admin.port, readPid, seen, dir, pidFile }
}
