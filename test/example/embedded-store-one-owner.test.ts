// Two store processes started at once on one data directory: one opens it, the other stands back.
import assert from 'node:assert/strict'
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { BOOT_TIMEOUT, exampleDataDir, processGone } from '../helpers/example-process.ts'

const server = fileURLToPath(new URL('../../example/store/pglite-server.ts', import.meta.url))

function startStore (dataDir: string): { child: ChildProcess, outcome: Promise<{ type: string, owner?: number }> } {
  const child = fork(server, [dataDir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const outcome = once(child, 'message').then(([message]) => message as { type: string, owner?: number })
  return { child, outcome }
}

test('of two store processes started together on one data directory, one owns it and the other says who does', { timeout: BOOT_TIMEOUT }, async (t) => {
  const dataDir = await exampleDataDir(t)
  const stores = [startStore(dataDir), startStore(dataDir)]
  t.after(() => { for (const { child } of stores) child.kill('SIGKILL') })
  const outcomes = await Promise.all(stores.map(({ outcome }) => outcome))

  assert.deepEqual(outcomes.map(({ type }) => type).sort(), ['busy', 'ready'])
  const owner = stores[outcomes.findIndex(({ type }) => type === 'ready')].child
  const other = stores[outcomes.findIndex(({ type }) => type === 'busy')]
  assert.equal(outcomes.find(({ type }) => type === 'busy')?.owner, owner.pid)
  assert.equal(Number(await readFile(join(dataDir, 'store.lock'), 'utf8')), owner.pid)
  await processGone(other.child.pid as number)

  // Nobody took a lease: the owner closes the directory by itself and releases it.
  owner.kill('SIGTERM')
  await processGone(owner.pid as number)
  await assert.rejects(readFile(join(dataDir, 'store.lock')), { code: 'ENOENT' })
})

test('a lock left by a store process that died is taken over', { timeout: BOOT_TIMEOUT }, async (t) => {
  const dataDir = await exampleDataDir(t)
  // The pid of a process that has exited: the lock's owner is gone.
  const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await once(dead, 'exit')
  await writeFile(join(dataDir, 'store.lock'), `${dead.pid}\n`)

  const store = startStore(dataDir)
  t.after(() => store.child.kill('SIGKILL'))
  assert.deepEqual(await store.outcome, { type: 'ready' })
  assert.equal(Number(await readFile(join(dataDir, 'store.lock'), 'utf8')), store.child.pid)
  store.child.kill('SIGTERM')
  await processGone(store.child.pid as number)
  await assert.rejects(readFile(join(dataDir, 'store.lock')), { code: 'ENOENT' })
})
