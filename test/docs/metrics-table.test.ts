// docs/metrics.md lists every metric a scrape of /metrics serves with every built-in on, with its
// type, and nothing else; `process_*` and `nodejs_*` rows stand for prom-client's process metrics.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService } from '../../lib/index.ts'
import { codeSpans, readDoc, tableRows } from '../helpers/markdown.ts'

test('every metric of a scrape is in the metric table with its type, and every documented one is served', async (t) => {
  const runner = createRunner({ server: { port: 0 }, signals: false, log: { level: 'silent' }, admin: { port: 0 } })
  runner.register(defineService({ name: 'job', async init () {}, restart: { policy: 'on-failure' } }))
  runner.register(async (app) => { app.get('/', async () => 'ok') }, { service: { name: 'api' } })
  await runner.start()
  t.after(() => runner.stop())
  await fetch(`http://127.0.0.1:${runner.address!.port}/`)
  const { port } = runner.admin!.server.address() as { port: number }
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  const served = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1]!, match[2]!]))

  const rows = tableRows(await readDoc('docs/metrics.md'), 'name | type').map(([name, type]) => ({ names: codeSpans(name!), type: type! }))
  const prefixes = rows.flatMap((row) => row.names).filter((name) => name.endsWith('_*')).map((name) => name.slice(0, -1))
  const documented = new Map(rows.flatMap((row) => row.names.filter((name) => !name.endsWith('_*')).map((name) => [name, row.type])))

  for (const [name, type] of served) {
    if (prefixes.some((prefix) => name.startsWith(prefix))) continue
    assert.equal(documented.get(name), type, `${name} (${type}) is documented with its type`)
  }
  for (const name of documented.keys()) assert.ok(served.has(name), `${name} is served`)
  for (const prefix of prefixes) assert.ok([...served.keys()].some((name) => name.startsWith(prefix)), `${prefix}* metrics are served`)
})
