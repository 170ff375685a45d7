// docs/options.md lists every option createRunner accepts and every FSR_* variable it reads, and
// nothing else; the accepted keys come from the resolvers' own "no such key" problems.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner } from '../../lib/index.ts'
import { codeSpans, readDoc, tableRows } from '../helpers/markdown.ts'

/** The options that are objects of their own keys (a path for a nested one); `false` turns those with a plugin off. */
const SECTIONS = ['server', 'log', 'log.journal', 'timeouts', 'shutdown', 'upgrade', 'health', 'prestartFailure', 'admin', 'metrics', 'debug', 'dashboard', 'pressure', 'telemetry']

function problemsOf (fn: () => unknown): string[] {
  try {
    fn()
  } catch (err) {
    const { code, problems } = err as { code?: string, problems?: string[] }
    assert.equal(code, 'FSR_ERR_INVALID_OPTIONS')
    return problems!
  }
  return []
}

/** Every option path the resolvers accept, read from the list each gives with an unknown key. */
function acceptedOptions (): Set<string> {
  // { zz: 1, server: { zz: 1 }, log: { zz: 1, journal: { zz: 1 } }, ... }
  const input: Record<string, any> = { zz: 1 }
  for (const path of SECTIONS) {
    let at = input
    for (const key of path.split('.')) at = (at[key] ??= { zz: 1 })
  }
  const accepted = new Set<string>()
  for (const problem of problemsOf(() => createRunner(input as never))) {
    const [, where, keys] = /^- (?:([\w.]+)\.)?zz: .*\(accepted: ([^)]+)\)$/.exec(problem) ?? []
    assert.ok(keys !== undefined, `an unknown key names what is accepted: ${problem}`)
    for (const key of keys.split(', ')) {
      const path = where === undefined ? key : `${where}.${key}`
      if (!SECTIONS.includes(path)) accepted.add(path)
    }
  }
  return accepted
}

async function documentedRows (): Promise<Array<{ option: string, env: string | undefined }>> {
  const rows = tableRows(await readDoc('docs/options.md'), 'option | env')
  return rows.map(([option, env]) => ({ option: codeSpans(option!)[0]!, env: codeSpans(env!)[0] }))
}

test('every option the resolvers accept is documented, and every documented option is accepted', async () => {
  const rows = await documentedRows()
  const documented = new Set(rows.map((row) => row.option).filter((option) => !option.endsWith(': false')))
  assert.deepEqual([...documented].sort(), [...acceptedOptions()].sort())
  for (const { option } of rows.filter((row) => row.option.endsWith(': false'))) {
    const section = option.slice(0, -': false'.length)
    assert.deepEqual(problemsOf(() => createRunner({ [section]: false } as never)), [], `${option} is accepted`)
  }
})

test('every FSR_* variable createRunner reads is documented, and each documented one is read and checked', async (t) => {
  const rows = await documentedRows()
  const documented = rows.flatMap((row) => row.env === undefined ? [] : [row.env])
  const setForUs = tableRows(await readDoc('docs/options.md'), 'variable | set by').flatMap(([names]) => codeSpans(names!)).filter((name) => name.startsWith('FSR_'))
  const env = process.env
  t.after(() => { process.env = env })

  // Record which variables the resolvers read (they read process.env when createRunner is called).
  const read = new Set<string>()
  process.env = new Proxy({ ...env }, {
    get (target, name) {
      if (typeof name === 'string' && name.startsWith('FSR_')) read.add(name)
      return Reflect.get(target, name)
    },
  })
  createRunner()
  assert.deepEqual([...read].sort(), [...documented, ...setForUs].sort())

  // A value no variable accepts is refused naming it (the PID file takes any path, the identifier any short name).
  const BAD: Record<string, string> = { FSR_PID_FILE: '', FSR_LOG_IDENTIFIER: 'x'.repeat(65) }
  for (const name of documented) {
    const bad = BAD[name] ?? '-1.5x'
    process.env = { ...env, [name]: bad }
    const problems = problemsOf(() => createRunner())
    assert.ok(problems.some((problem) => problem.startsWith(`- ${name}:`)), `${name}=${JSON.stringify(bad)} is refused naming it: ${problems.join('; ')}`)
  }
})
