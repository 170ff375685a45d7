// docs/admin.md lists every route of the admin server with every built-in on, and nothing else.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner } from '../../lib/index.ts'
import { codeSpans, readDoc, tableRows } from '../helpers/markdown.ts'

test('every admin route is in the endpoint tables, and every documented route exists', async (t) => {
  const runner = createRunner({ server: false, signals: false, log: { level: 'silent' }, admin: { port: 0 } })
  const routes: string[] = []
  // The health routes answer HEAD too (docs/admin.md says so under the table).
  runner.admin!.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`)
  })
  await runner.start()
  t.after(() => runner.stop())

  const cells = tableRows(await readDoc('docs/admin.md'), 'method and path').map(([cell]) => cell!)
  const documented = cells.flatMap(codeSpans)
    .filter((route) => !route.endsWith('/...')) // a pointer to another table
    .map((route) => route.replace(/\?.*$/, ''))
  assert.deepEqual([...new Set(documented)].sort(), [...new Set(routes)].sort())
})
