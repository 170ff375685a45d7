import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { createRunner, defineService } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

// promtool comes from Debian's `prometheus` package. CI must have it; a developer may not.
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' })
const hasPromtool = promtool.error === undefined && promtool.status === 0
const isCI = process.env.CI === 'true'
const skipReason = !hasPromtool && !isCI ? 'promtool is not installed (apt-get install prometheus); CI fails instead of skipping' : false

test('a real scrape of /metrics, every built-in on, passes `promtool check metrics` with exit 0 and no lint', { skip: skipReason }, async (t) => {
  assert.ok(hasPromtool, 'promtool is required in CI: install Debian\'s `prometheus` package')
  const runner = createRunner({ server: { port: 0 }, admin: { port: 0 }, signals: false, logger: captureLogs('warn').logger })
  runner.register(defineService({ name: 'store', check: async () => 'healthy' as const }))
  runner.register(async (app) => { app.get('/items/:id', async () => ({ ok: true })) }, { service: { name: 'api', dependsOn: ['store'] } })
  t.after(() => runner.stop())
  await runner.start()
  assert.equal((await fetch(`http://127.0.0.1:${runner.address!.port}/items/1`)).status, 200)
  const { port } = runner.admin!.server.address() as { port: number }
  const response = await fetch(`http://127.0.0.1:${port}/metrics`)
  assert.equal(response.status, 200)
  const text = await response.text()
  assert.match(text, /^http_request_duration_seconds_count\{method="GET",route="\/items\/:id",status_code="200"\} 1$/m, 'the scrape holds request metrics')
  assert.match(text, /^nodejs_active_handles\{type="\w+"\} \d+$/m, 'the by-type gauges stay')
  assert.doesNotMatch(text, /^nodejs_active_\w+_total/m, 'the gauges named like counters are gone')
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  // Exit 1 is a parse error, 3 a lint problem: neither is accepted.
  assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`)
  assert.equal(`${check.stdout}${check.stderr}`.trim(), '')
})
