// Packs the package as a fresh clone would (no dist/ beforehand), installs the tarball into an empty
// app with its own typescript and fastify, and runs a TypeScript, an ESM and a CommonJS consumer.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))
// Each step is bounded, and so is the whole (past the suite's default: an install from a cold cache takes a while).
const STEP_TIMEOUT = 180_000
const TEST_TIMEOUT = 300_000

async function sh (cwd: string, file: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, timeout: STEP_TIMEOUT, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, npm_config_loglevel: 'error' } })
    return stdout
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string, stderr?: string }
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: err })
  }
}

async function versionOf (name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
  return manifest.version
}

/** The files a fresh clone has (tracked, and new ones not ignored), copied to `dir`; node_modules linked for the build. */
async function cloneInto (dir: string): Promise<void> {
  const listed = await sh(root, 'git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'])
  for (const file of listed.split('\0').filter((name) => name !== '')) {
    await mkdir(dirname(join(dir, file)), { recursive: true })
    // A file deleted in the work tree but still in the index is not part of the clone.
    await cp(join(root, file), join(dir, file)).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err })
  }
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
}

const consumerBody = (importLine: string): string => `${importLine}
const runner = createRunner({ server: { port: 0, host: '127.0.0.1' }, admin: { port: 0, host: '127.0.0.1' }, signals: false, log: { level: 'silent' } })
runner.register(defineService({ name: 'clock', async init (ctx) { ctx.app.decorate('now', () => Date.now()) } }))
runner.register(async (app) => { app.get('/name', async () => ({ name: app.service.name })) }, { service: { name: 'api', dependsOn: ['clock'] } })
await runner.start()
const response = await fetch(\`http://127.0.0.1:\${runner.address.port}/name\`)
const body = await response.json()
await runner.stop()
console.log(JSON.stringify({ status: response.status, body, state: runner.status, codes: Object.keys(errors).length }))
`

test('npm pack builds what it ships; the tarball installs into an empty app and runs as TypeScript, ESM and CommonJS', { timeout: TEST_TIMEOUT }, async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'fsr-pack-'))
  t.after(() => rm(work, { recursive: true, force: true }))
  const clone = join(work, 'clone')
  await cloneInto(clone)

  const [packed] = JSON.parse(await sh(clone, 'npm', ['pack', '--json', '--pack-destination', work])) as Array<{ filename: string, files: Array<{ path: string }> }>
  const files = packed.files.map((file) => file.path)
  for (const shipped of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/index.js.map', 'dist/types/index.d.ts', 'dist/plugins/admin/index.js', 'dist/plugins/dashboard/page.html', 'dist/cli/fsr.js']) {
    assert.ok(files.includes(shipped), `the tarball ships ${shipped} (it has: ${files.join(', ')})`)
  }
  assert.deepEqual(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts')), [], 'no TypeScript sources, no type tests')
  assert.deepEqual(files.filter((file) => /(^|\/)tsconfig[^/]*\.json$/.test(file) || file.includes('type-test') || file.startsWith('test/') || file.startsWith('example/')), [], 'no tsconfig, type tests, tests or example')

  const app = join(work, 'app')
  await mkdir(app)
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }))
  const tools = await Promise.all(['typescript', 'fastify', '@types/node'].map(async (name) => `${name}@${await versionOf(name)}`))
  await sh(app, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed.filename), ...tools])

  await writeFile(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'es2023', lib: ['es2023'], module: 'nodenext', moduleResolution: 'nodenext', strict: true, types: ['node'], outDir: 'out' },
    files: ['consumer.mts'],
  }))
  // Typed against the shipped declarations: app.service and err.code come from dist/ alone.
  await writeFile(join(app, 'consumer.mts'), consumerBody([
    "import { createRunner, defineService, errors, type Runner, type ServiceContext } from 'fastify-service-runner'",
    "const code: 'FSR_ERR_SERVICE_START' = new errors.FSR_ERR_SERVICE_START('s', 'init', 'x', { cause: null }).code",
    'void code',
    'const typed: (runner: Runner) => ServiceContext | undefined = () => undefined',
    'void typed',
    // The shipped declarations carry decorations along dependsOn and check a plugin's own options.
    'const ticker = defineService<{ ticks: () => number }>({ name: "ticker" })',
    'defineService({ name: "reader", dependsOn: [ticker], init (ctx) { const ticks: number = ctx.app.ticks(); void ticks } })',
    "const withOrigin: import('fastify').FastifyPluginAsync<{ origin?: string }> = async () => {}",
    '// @ts-expect-error the plugin says origin is a string',
    'const refused = (runner: Runner) => runner.register(withOrigin, { origin: 123 })',
    'void refused',
  ].join('\n')).replace('runner.address.port', 'runner.address!.port'))
  await sh(app, join(app, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'])

  await writeFile(join(app, 'consumer.mjs'), consumerBody("import { createRunner, defineService, errors } from 'fastify-service-runner'"))
  await writeFile(join(app, 'consumer.cjs'), `(async () => {\n${consumerBody("const { createRunner, defineService, errors } = require('fastify-service-runner')")}\n})()`)

  for (const program of ['out/consumer.mjs', 'consumer.mjs', 'consumer.cjs']) {
    const result = JSON.parse(await sh(app, process.execPath, [program])) as Record<string, unknown>
    assert.deepEqual(result.status, 200, program)
    assert.deepEqual(result.body, { name: 'api' }, program)
    assert.equal(result.state, 'stopped', program)
    assert.ok((result.codes as number) > 10, `${program}: errors are exported`)
  }
  // The command the package installs.
  assert.match(await sh(app, join(app, 'node_modules', '.bin', 'fsr'), ['--help']), /^usage: fsr <command>/)
})
