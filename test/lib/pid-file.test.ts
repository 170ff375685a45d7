import assert from 'node:assert/strict'
import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { writePidFile } from '../../lib/pid-file.ts'
import { createRunner } from '../../lib/runner.ts'
import { defineService } from '../../lib/define-service.ts'

async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fsr-pid-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

test('writePidFile never writes through a symlink planted at a temporary name or at the target', async (t) => {
  const dir = await tempDir(t)
  const victim = join(dir, 'victim')
  await writeFile(victim, 'precious\n')
  const path = join(dir, 'app.pid')
  // Every name a predictable writer could use for its temporary file, and the target itself.
  await symlink(victim, `${path}.${process.pid}.tmp`)
  await symlink(victim, `${path}.tmp`)
  await symlink(victim, path)
  await writePidFile(path, 4242)
  assert.equal(await readFile(victim, 'utf8'), 'precious\n')
  assert.ok((await lstat(path)).isFile(), 'the PID file is a regular file, not the symlink')
  assert.equal(await readFile(path, 'utf8'), '4242\n')
})

for (const [what, prepare] of [
  ['its directory is missing', async (dir: string) => join(dir, 'missing', 'app.pid')],
  ['its parent is a file', async (dir: string) => {
    await writeFile(join(dir, 'file'), '')
    return join(dir, 'file', 'app.pid')
  }],
  ['it is a directory', async (dir: string) => {
    await mkdir(join(dir, 'app.pid'))
    return join(dir, 'app.pid')
  }],
] as const) {
  test(`a PID file that cannot be written (${what}) fails start() before any service's init`, async (t) => {
    const pidFile = await prepare(await tempDir(t))
    const runner = createRunner({ server: false, pidFile, log: { level: 'silent' } })
    let isInitCalled = false
    runner.register(defineService({ name: 'store', async init () { isInitCalled = true } }))
    t.after(() => runner.stop().catch(() => {}))
    await assert.rejects(runner.start(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'FSR_ERR_PID_FILE')
      assert.ok(err.message.includes(pidFile), err.message)
      return true
    })
    assert.equal(isInitCalled, false)
    assert.equal(runner.status, 'stopped')
  })
}
