// A throwaway PostgreSQL for tests: initdb in a temporary directory, a server on a loopback port,
// stopped and removed after the test. Run as the `postgres` user when the tests run as root
// (PostgreSQL refuses root), through runuser.
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { chown, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { promisify } from 'node:util'
import { findFreePort } from './free-port.ts'

const run = promisify(execFile)

export interface Postgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication on loopback). */
  readonly url: string
  /** pg_ctl restart -m fast: every connection is ended, then the server takes new ones. */
  restart (): Promise<void>
}

/** The directory of initdb and pg_ctl: Debian's newest /usr/lib/postgresql/<version>/bin, else one on PATH. */
export async function findPostgresBin (): Promise<string | undefined> {
  const debian = '/usr/lib/postgresql'
  const versions = existsSync(debian) ? readdirSync(debian).filter((v) => existsSync(join(debian, v, 'bin', 'initdb'))) : []
  versions.sort((a, b) => Number(b) - Number(a))
  if (versions.length > 0) return join(debian, versions[0], 'bin')
  const found = await run('sh', ['-c', 'command -v initdb']).then(({ stdout }) => stdout.trim(), () => '')
  return found === '' ? undefined : found.slice(0, found.lastIndexOf('/'))
}

export async function startPostgres (t: TestContext, bin: string): Promise<Postgres> {
  const dir = await mkdtemp(join(tmpdir(), 'fsr-postgres-'))
  const data = join(dir, 'data')
  const isRoot = process.getuid?.() === 0
  if (isRoot) {
    const ids = await run('id', ['-u', 'postgres']).then(async ({ stdout }) => [Number(stdout), Number((await run('id', ['-g', 'postgres'])).stdout)])
    await chown(dir, ids[0], ids[1])
  }
  const pg = (tool: string, args: string[]) => isRoot
    ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args])
    : run(join(bin, tool), args)
  const port = await findFreePort()
  const ctl = (action: string, ...extra: string[]) => pg('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'server.log'), ...extra, action])
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'])
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  await ctl('start', '-o', options)
  t.after(async () => {
    await ctl('stop', '-m', 'immediate').catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart () { await ctl('restart', '-m', 'fast', '-o', options) },
  }
}
