// docs/admin.md lists every route of the admin server with every built-in on, and nothing else.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner } from '../../lib/index.ts'
import { codeSpans, readDoc, tableRows } from '../helpers/markdown.ts'

test('every admin route is in the endpoint tables, and every documented route exists', async (t) => {
  const runner = createRunner({ server: false, signals: false, log: { level: 'silent' }, admin: { port: 0 } })
  const routes: string[] = []
  // HEAD routes are the ones Fastify adds to every GET route.
  runner.admin!.addHook('onRoute', (route) => { if (route.method !== 'HEAD') routes.push(`${String(route.method)} ${route.url}`) })
  await runner.start()
  t.after(() => runner.stop())

  const cells = tableRows(await readDoc('docs/admin.md'), 'method and path').map(([cell]) => cell!)
  const documented = cells.flatMap(codeSpans)
    .filter((route) => !route.endsWith('/...')) // a pointer to another table
    .map((route) => route.replace(/\?.*$/, ''))
  assert.deepEqual([...new Set(documented)].sort(), [...new Set(routes)].sort())
})
