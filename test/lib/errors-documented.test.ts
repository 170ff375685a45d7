import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import * as coreErrors from '../../lib/errors.ts'
import { errors } from '../../lib/index.ts'

test('every error code is in the README table, and every documented code exists', async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
  const codes = Object.entries(errors)
    .filter(([name, value]) => name.startsWith('FSR_ERR_') && typeof value === 'function')
    .map(([name]) => name)
  assert.ok(codes.length > 10)
  for (const code of codes) {
    assert.match(readme, new RegExp(`^\\| \`${code}\` \\|`, 'm'), `${code} is documented`)
    const err = new (errors as unknown as Record<string, new (...args: unknown[]) => Error & { code: string, statusCode?: number }>)[code]()
    assert.equal(err.code, code, 'the export is named after its code')
    if (code in coreErrors) assert.equal(err.statusCode, undefined, `${code}: core errors do not reach HTTP`)
    else assert.ok(err.statusCode === undefined || (err.statusCode >= 400 && err.statusCode < 600), `${code}: a plugin error reaches HTTP with a 4xx/5xx status, or not at all`)
  }
  const documented = [...readme.matchAll(/^\| `(FSR_ERR_[A-Z_]+)` \|/gm)].map((match) => match[1])
  assert.deepEqual(documented.filter((code) => !codes.includes(code)), [], 'no stale code in the README')
})
