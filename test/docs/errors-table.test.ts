// docs/errors.md lists every error code and exit code the package has, and nothing else.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as coreErrors from '../../lib/errors.ts'
import { errors, ExitCode } from '../../lib/index.ts'
import { codeSpans, readDoc, tableRows } from '../helpers/markdown.ts'

test('every error code is in the error table, and every documented code exists', async () => {
  const page = await readDoc('docs/errors.md')
  const codes = Object.entries(errors)
    .filter(([name, value]) => name.startsWith('FSR_ERR_') && typeof value === 'function')
    .map(([name]) => name)
  assert.ok(codes.length > 10)
  const documented = tableRows(page, 'code | when').map(([code]) => codeSpans(code!)[0])
  for (const code of codes) {
    assert.ok(documented.includes(code), `${code} is documented`)
    const err = new (errors as unknown as Record<string, new (...args: unknown[]) => Error & { code: string, statusCode?: number }>)[code]()
    assert.equal(err.code, code, 'the export is named after its code')
    if (code in coreErrors) assert.equal(err.statusCode, undefined, `${code}: core errors do not reach HTTP`)
    else assert.ok(err.statusCode === undefined || (err.statusCode >= 400 && err.statusCode < 600), `${code}: a plugin error reaches HTTP with a 4xx/5xx status, or not at all`)
  }
  assert.deepEqual(documented.filter((code) => code === undefined || !codes.includes(code)), [], 'no stale code in the table')
})

test('every exit code is in the exit-code table with its number, and nothing else is', async () => {
  const page = await readDoc('docs/errors.md')
  const rows = tableRows(page, 'code | constant').filter(([, constant]) => constant?.startsWith('`ExitCode.'))
  const documented = Object.fromEntries(rows.map(([code, constant]) => [codeSpans(constant!)[0]!.slice('ExitCode.'.length), Number(code)]))
  assert.deepEqual(documented, { ...ExitCode })
})
