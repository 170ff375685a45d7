import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createRunner, defineService, type Runner } from '../../../lib/index.ts'
import { captureLogs, type LogCapture } from '../../helpers/log-capture.ts'

async function startRunner (t: TestContext): Promise<{ runner: Runner, logs: LogCapture }> {
  const logs = captureLogs('info')
  const runner = createRunner({ server: { port: 0 }, admin: { port: 0 }, signals: false, logger: logs.logger })
  runner.register(defineService({ name: 'store' }))
  t.after(() => runner.stop())
  await runner.start()
  return { runner, logs }
}

// Ajv coerces these query strings to ±Infinity and skips minimum and maximum for a number that is not finite.
const NOT_FINITE = ['Infinity', '-Infinity', '1e999', '-1e999']

test('a profile of Infinity seconds, or any other number that is not finite, is a 400 like every bad value', async (t) => {
  const { runner, logs } = await startRunner(t)
  const warnings: string[] = []
  const onWarning = (warning: Error): void => { warnings.push(warning.name) }
  process.on('warning', onWarning)
  t.after(() => process.off('warning', onWarning))
  for (const path of ['/debug/pprof/profile', '/debug/pprof/heap']) {
    for (const seconds of NOT_FINITE) {
      const response = await runner.admin!.inject(`${path}?seconds=${seconds}`)
      assert.equal(response.statusCode, 400, `${path}?seconds=${seconds}`)
      assert.equal(response.json().code, 'FSR_ERR_INVALID_REQUEST')
      assert.match(response.json().message, /querystring\/seconds must be a finite number/)
    }
  }
  assert.equal(logs.messages('cpu profile started').length + logs.messages('heap profile started').length, 0, 'no profile was taken')
  // A warning is emitted on the next tick: let it arrive before looking.
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(warnings, [])
})

test('a log-level revert of a number that is not finite is a 400, and the level stays as it was', async (t) => {
  const { runner } = await startRunner(t)
  for (const revertAfterMs of NOT_FINITE) {
    const response = await runner.admin!.inject({ method: 'PUT', url: '/log-level/store', payload: { level: 'debug', revertAfterMs } })
    assert.equal(response.statusCode, 400, `revertAfterMs ${revertAfterMs}: ${response.body}`)
    assert.equal(response.json().code, 'FSR_ERR_INVALID_REQUEST')
    assert.match(response.json().message, /body\/revertAfterMs must be a finite number/)
  }
  for (const revertAfter of NOT_FINITE) {
    const response = await runner.admin!.inject({ method: 'PUT', url: `/log-level/store?revertAfter=${revertAfter}`, payload: { level: 'debug' } })
    assert.equal(response.statusCode, 400, `revertAfter ${revertAfter}`)
  }
  assert.equal(runner.serviceLogger('store')!.level, 'info')
})
