// `fsr` against a real runner process: every command, with and without a token, and an admin
// server that is not there.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { Profile } from 'pprof-format'
import { CliExit } from '../../cli/admin-client.ts'
import { startFixture } from '../helpers/fixture-process.ts'
import { readDoc, tableRows } from '../helpers/markdown.ts'
import { runCli } from '../helpers/run-cli.ts'
import { upgradeFixture } from '../helpers/upgrade-fixture.ts'

const TOKEN = 'cli-test-token-0123456789'

async function startTarget (t: TestContext, env: Record<string, string> = {}) {
  const program = startFixture(t, 'cli-target.ts', env)
  const started = await program.waitForLine((line) => line.msg === 'runner started', 30_000) as { address: { port: number } }
  const admin = await program.waitForLine((line) => line.msg === 'admin server listening') as { port: number }
  // The flaky job's first life has failed and its restart waits out the backoff.
  await program.waitForLine((line) => line.msg === 'service restart scheduled')
  t.after(() => { program.child.kill('SIGKILL') })
  return { url: `http://127.0.0.1:${admin.port}`, main: `http://127.0.0.1:${started.address.port}` }
}

test('without a token', async (t) => {
  const { url, main } = await startTarget(t)

  await t.test('status prints one row per service, and --json the admin server\'s answer', async () => {
    const run = await runCli(['status', '--url', url])
    assert.equal(run.code, 0, run.stderr)
    const lines = run.stdout.trim().split('\n')
    assert.equal(lines[0], 'runner: running')
    assert.match(lines[1]!, /^SERVICE\s+STATE\s+HEALTH\s+RESTARTS\s+UPTIME$/)
    assert.match(run.stdout, /^store\s+running\s+healthy\s+0\s+\d+(ms|s)$/m)
    assert.match(run.stdout, /^flaky\s+failed\s+\S+.*\s+0 \(next in (\d+s|\dm\d\ds)\)\s+-$/m)
    assert.match(run.stdout, /^api\s+running\s/m)
    const json = await runCli(['status', '--json'], { FSR_ADMIN_URL: url })
    assert.equal(json.code, 0, json.stderr)
    assert.deepEqual((JSON.parse(json.stdout) as { services: Array<{ name: string }> }).services.map((service) => service.name), ['store', 'flaky', 'api'])
  })

  await t.test('health exits 0 while healthy or degraded, 1 once a critical service is unhealthy', async () => {
    // The failed job makes the process unhealthy already: make the store's health the only change.
    const before = await runCli(['health', '--url', url, '--json'])
    const body = JSON.parse(before.stdout) as { status: string }
    assert.equal(before.code, body.status === 'healthy' || body.status === 'degraded' ? 0 : 1)
    await fetch(`${main}/store-health?status=unhealthy`, { method: 'POST' })
    const after = await runCli(['health', '--url', url])
    assert.equal(after.code, 1)
    assert.match(after.stdout, /^unhealthy\n/)
    assert.match(after.stdout, /^ {2}store: unhealthy \(disk full\)$/m)
  })

  await t.test('log-level lists the levels, sets a service\'s with a revert, and the runner\'s', async () => {
    const set = await runCli(['log-level', 'api', 'debug', '--revert-after', '5m', '--url', url])
    assert.equal(set.code, 0, set.stderr)
    assert.match(set.stdout, /^api: info -> debug, back to info at \d{4}-\d\d-\d\dT/)
    const runner = await runCli(['log-level', 'warn', '--url', url, '--json'])
    assert.equal(runner.code, 0, runner.stderr)
    assert.equal((JSON.parse(runner.stdout) as { level: string }).level, 'warn')
    const list = await runCli(['log-level', '--url', url])
    assert.match(list.stdout, /^\(runner\)\s+warn$/m)
    assert.match(list.stdout, /^api\s+debug$/m)
  })

  await t.test('profile cpu and heap write pprof files that decode', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'fsr-cli-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    for (const kind of ['cpu', 'heap']) {
      const file = join(dir, `${kind}.pb.gz`)
      const run = await runCli(['profile', kind, '--seconds', '1', '-o', file, '--url', url])
      assert.equal(run.code, 0, run.stderr)
      assert.match(run.stdout, new RegExp(`^wrote ${file} \\(\\d+ bytes\\)`))
      const profile = Profile.decode(gunzipSync(await readFile(file)))
      const types = profile.sampleType.map((type) => profile.stringTable.strings[Number(type.type)])
      assert.deepEqual(types, kind === 'cpu' ? ['samples', 'cpu'] : ['objects', 'space'])
    }
  })

  await t.test('input the admin server refuses is a usage error with its code', async () => {
    const unknown = await runCli(['log-level', 'nope', 'debug', '--url', url])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /FSR_ERR_UNKNOWN_SERVICE/)
    const level = await runCli(['log-level', 'api', 'loud', '--url', url])
    assert.equal(level.code, 2)
    assert.match(level.stderr, /FSR_ERR_INVALID_REQUEST/)
  })
})

test('with a token: reads stay open, mutations and profiles need it, a wrong one is refused', async (t) => {
  const { url } = await startTarget(t, { FSR_ADMIN_TOKEN: TOKEN })
  assert.equal((await runCli(['status', '--url', url])).code, 0)
  const missing = await runCli(['log-level', 'api', 'debug', '--url', url])
  assert.equal(missing.code, 4)
  assert.match(missing.stderr, /401 .*it needs a token: pass --token or set FSR_ADMIN_TOKEN/)
  const wrong = await runCli(['profile', 'heap', '--seconds', '1', '-o', '/dev/null', '--url', url, '--token', 'wrong-token-0123456789'])
  assert.equal(wrong.code, 4)
  assert.match(wrong.stderr, /the token was refused/)
  assert.doesNotMatch(wrong.stderr, /wrong-token/, 'a token is never printed')
  const right = await runCli(['log-level', 'api', 'debug', '--url', url], { FSR_ADMIN_TOKEN: TOKEN })
  assert.equal(right.code, 0, right.stderr)
  // Every other command, with the token: reads ignore it, profiles need it.
  for (const args of [['health'], ['log-level'], ['status', '--json'], ['profile', 'heap', '-o', '/dev/null']]) {
    const run = await runCli([...args, '--url', url, '--token', TOKEN])
    assert.ok(run.code === 0 || (args[0] === 'health' && run.code === 1), `${args.join(' ')}: ${run.code} ${run.stderr}`)
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(TOKEN), 'a token is never printed')
  }
})

test('upgrade with a token: refused without it (exit 4, nothing started), done with it', async (t) => {
  const { adminPort, fixture } = await upgradeFixture(t, { FSR_ADMIN_TOKEN: TOKEN })
  const url = `http://127.0.0.1:${adminPort}`
  const missing = await runCli(['upgrade', '--url', url])
  assert.equal(missing.code, 4, missing.stderr)
  assert.equal(fixture.lines.some((line) => line.msg === 'upgrade started'), false)
  const run = await runCli(['upgrade', '--url', url], { FSR_ADMIN_TOKEN: TOKEN })
  assert.equal(run.code, 0, run.stderr)
  assert.match(run.stdout, /^upgraded: pid \d+ took over/)
})

test('upgrade waits for the outcome: the new process took over, a second one at once is refused', async (t) => {
  const { adminPort, fixture } = await upgradeFixture(t)
  const url = `http://127.0.0.1:${adminPort}`
  const oldPid = fixture.child.pid
  const run = await runCli(['upgrade', '--url', url])
  assert.equal(run.code, 0, run.stderr)
  const [, pid] = /^upgraded: pid (\d+) took over/.exec(run.stdout) ?? []
  assert.ok(Number(pid) > 0 && Number(pid) !== oldPid, run.stdout)
  // The old process has handed over and refuses another upgrade until it is gone.
  const again = await runCli(['upgrade', '--url', url, '--json'])
  if (again.code !== 3) { // it may have exited already, and its port then belongs to the new one
    const outcome = JSON.parse(again.stdout) as { ok: boolean, reason?: string, pid?: number }
    assert.ok(again.code === 1 ? outcome.ok === false : outcome.pid !== Number(pid), again.stdout)
  }
})

test('an admin server that is not there: exit 3 with what to check', async () => {
  // A port that was free a moment ago: nothing listens on it.
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  server.close()
  const run = await runCli(['status', '--url', `http://127.0.0.1:${port}`])
  assert.equal(run.code, 3)
  assert.equal(run.stderr, `fsr: cannot reach the admin server at http://127.0.0.1:${port} (ECONNREFUSED): is the program running? Pass --url or set FSR_ADMIN_URL\n`)
})

test('usage errors exit 2 with the usage', async () => {
  for (const args of [[], ['launch'], ['status', '--bogus'], ['profile', 'gpu'], ['profile', 'cpu', '--seconds', '0'], ['status', '--url', 'ftp://x']]) {
    const run = await runCli(args)
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
    assert.match(run.stderr, /^fsr: /)
  }
  const help = await runCli(['--help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /^usage: fsr <command>/)
})

test('docs/cli.md lists every exit code of fsr', async () => {
  const page = await readDoc('docs/cli.md')
  const documented = tableRows(page, 'code | meaning').map(([code]) => Number(code))
  assert.deepEqual(documented, Object.values(CliExit))
})

test('watch prints the events as they happen, and --json each one as a JSON line', async (t) => {
  const program = startFixture(t, 'cli-target.ts')
  const admin = await program.waitForLine((line) => line.msg === 'admin server listening', 30_000) as { port: number }
  const started = await program.waitForLine((line) => line.msg === 'runner started') as { address: { port: number } }
  t.after(() => { program.child.kill('SIGKILL') })
  for (const json of [false, true]) {
    const watcher = spawn(process.execPath, ['--import', 'tsx', 'cli/fsr.ts', 'watch', '--url', `http://127.0.0.1:${admin.port}`, ...(json ? ['--json'] : [])], { cwd: new URL('../../', import.meta.url), stdio: ['ignore', 'pipe', 'pipe'] })
    t.after(() => { watcher.kill('SIGKILL') })
    const lines = createInterface({ input: watcher.stdout })[Symbol.asyncIterator]()
    const first = (await lines.next()).value as string
    if (json) assert.equal((JSON.parse(first) as { event: string }).event, 'snapshot')
    else assert.match(first, /^connected: runner running, health \w+, 3 services$/)
    await fetch(`http://127.0.0.1:${started.address.port}/store-health?status=${json ? 'healthy' : 'unhealthy'}`, { method: 'POST' })
    let line = ''
    while (!line.includes('store')) line = (await lines.next()).value as string
    if (json) assert.deepEqual((({ event, data: { service, status } }) => ({ event, service, status }))(JSON.parse(line)), { event: 'health', service: 'store', status: 'healthy' })
    else assert.match(line, /^\d\d:\d\d:\d\d\.\d{3} store: health healthy -> unhealthy \(disk full\); process unhealthy$/)
    watcher.kill('SIGINT')
    await once(watcher, 'exit')
  }
})
