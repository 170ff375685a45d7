// What each service costs in /metrics: one line of state, one of health and one of restarts. Durations
// (lifecycle transitions, health checks) are histograms of the whole process, without a service label.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type Runner } from '../../../lib/index.ts'
import { waitFor } from '../../helpers/fixture-process.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

/** A started runner of `count` services, each with a passive check that has run once. */
async function startServices (t: TestContext, count: number): Promise<Runner> {
  // No process metrics: their series vary with what the process happens to hold.
  const runner = createRunner({ server: false, admin: { port: 0 }, signals: false, metrics: { process: false }, logger: captureLogs('warn').logger })
  for (let i = 0; i < count; i++) runner.register(defineService({ name: `service-${i}`, async check () { return 'healthy' as const } }))
  t.after(() => runner.stop())
  await runner.start()
  const services = (): string[] => Object.keys(runner.health().services).filter((name) => name.startsWith('service-'))
  await waitFor(() => services().every((name) => runner.health().services[name].checkedAt !== undefined))
  return runner
}

async function scrape (runner: Runner): Promise<string> {
  const response = await runner.admin!.inject('/metrics')
  assert.equal(response.statusCode, 200)
  return response.body
}

/** Sample lines per series name (`x_bucket`, `x_sum` and `x_count` apart). */
function countLines (text: string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const name = line.split(/[{ ]/, 1)[0]
    counts.set(name, (counts.get(name) ?? 0) + 1)
  }
  return counts
}

test('no histogram has a service label: transitions and checks are measured for the whole process', async (t) => {
  const runner = await startServices(t, 50)
  const text = await scrape(runner)
  const histograms = [...text.matchAll(/^# TYPE (\w+) histogram$/gm)].map((match) => match[1])
  assert.ok(histograms.includes('fsr_lifecycle_transition_duration_seconds'))
  assert.ok(histograms.includes('fsr_health_check_duration_seconds'))
  for (const name of histograms) {
    const labelled = text.split('\n').filter((line) => line.startsWith(`${name}_`) && line.includes('service="'))
    assert.equal(labelled.length, 0, `${name} has per-service series: ${labelled[0]}`)
  }
  assert.match(text, /^fsr_lifecycle_transition_duration_seconds_count\{from="starting",to="running"\} 50$/m)
  assert.match(text, /^fsr_health_check_duration_seconds_count (\d+)$/m)
  assert.ok(Number(/^fsr_health_check_duration_seconds_count (\d+)$/m.exec(text)?.[1]) >= 50, 'every check is counted')
})

test('a service adds one line of state, one of health and one of restarts, and nothing else', async (t) => {
  const few = countLines(await scrape(await startServices(t, 10)))
  const many = countLines(await scrape(await startServices(t, 110)))
  const grown: Record<string, number> = {}
  for (const name of new Set([...few.keys(), ...many.keys()])) {
    const added = (many.get(name) ?? 0) - (few.get(name) ?? 0)
    if (added !== 0) grown[name] = added
  }
  assert.deepEqual(grown, { fsr_service_state: 100, fsr_service_health: 100, fsr_service_restarts_total: 100 })
})

test('state and health have one line per service, for the current state and status, at 1', async (t) => {
  const runner = createRunner({ server: false, admin: { port: 0 }, signals: false, pressure: false, logger: captureLogs('fatal').logger })
  let fail = (_err: Error): void => {}
  runner.register(defineService({ name: 'steady' }))
  runner.register(defineService({
    name: 'worker',
    run: (ctx) => new Promise<void>((resolve, reject) => {
      fail = reject
      ctx.signal.addEventListener('abort', () => resolve())
    }),
  }))
  t.after(() => runner.stop())
  await runner.start()
  const lines = (text: string, name: string): string[] => text.split('\n').filter((line) => line.startsWith(`${name}{`))
  assert.deepEqual(lines(await scrape(runner), 'fsr_service_state'), [
    'fsr_service_state{service="steady",state="running"} 1',
    'fsr_service_state{service="worker",state="running"} 1',
  ])
  fail(new Error('lost the queue'))
  await waitFor(() => runner.states()[1].state === 'failed')
  const text = await scrape(runner)
  assert.deepEqual(lines(text, 'fsr_service_state'), [
    'fsr_service_state{service="steady",state="running"} 1',
    'fsr_service_state{service="worker",state="failed"} 1',
  ], 'the state it left is gone')
  assert.deepEqual(lines(text, 'fsr_service_health').sort(), [
    'fsr_service_health{service="steady",status="healthy"} 1',
    `fsr_service_health{service="worker",status="${runner.health().services.worker.status}"} 1`,
  ])
})
