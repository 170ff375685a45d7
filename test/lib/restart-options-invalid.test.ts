import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner, defineService } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'

const bad = {
  policy: 'sometimes',
  backoff: { initial: -1, max: 10, factor: 0.5, jitter: 2, step: 1 },
  intensity: { maxRestarts: 1.5, within: 'a minute' },
  escalate: 'panic',
  whenUnhealthyFor: -5,
  resetAfter: null,
  retries: 3,
}

const expected = [
  '- restart.retries: got 3; expected no such key (accepted: policy, backoff, intensity, escalate, whenUnhealthyFor, resetAfter)',
  '- restart.backoff.step: got 1; expected no such key (accepted: initial, max, factor, jitter)',
  '- restart.backoff.initial: got -1; expected an integer from 0 to 2147483647',
  '- restart.backoff.factor: got 0.5; expected a number from 1 to 1000',
  '- restart.backoff.jitter: got 2; expected a number from 0 to 1',
  '- restart.intensity.maxRestarts: got 1.5; expected an integer from 0 to 1000000',
  '- restart.intensity.within: got "a minute"; expected an integer from 0 to 2147483647',
  '- restart.policy: got "sometimes"; expected one of never, on-failure, always',
  '- restart.escalate: got "panic"; expected one of fail, degrade, exit',
  '- restart.whenUnhealthyFor: got -5; expected an integer from 0 to 2147483647',
  '- restart.resetAfter: got null; expected an integer from 0 to 2147483647',
]

test('every problem of a definition\'s restart option is reported together', () => {
  const err = captureThrow(() => defineService({ name: 'worker', restart: bad as never }))
  assert.equal(err.code, 'FSR_ERR_INVALID_SERVICE')
  assert.deepEqual(err.problems, expected)
})

test('a plain plugin\'s opts.service.restart is validated the same way, and refused a policy', () => {
  const runner = createRunner({ server: false, signals: false, logger: captureLogs().logger })
  const err = captureThrow(() => runner.register(async () => {}, { service: { name: 'pool', restart: bad as never } }))
  assert.equal(err.code, 'FSR_ERR_INVALID_SERVICE')
  assert.deepEqual(err.problems, [
    ...expected,
    '- restart.policy: got "sometimes"; expected "never" for a plain plugin: avvio loads a plugin once and Fastify refuses routes and decorators after ready, so a restart cannot run it again; wrap the resource in defineService, whose init and stop own it (behind a getter) and run again on every restart',
    '- restart.whenUnhealthyFor: got -5; expected none for a plain plugin: avvio loads a plugin once and Fastify refuses routes and decorators after ready, so a restart cannot run it again; wrap the resource in defineService, whose init and stop own it (behind a getter) and run again on every restart',
  ])
})

test('backoff.max below backoff.initial is refused, and restart must be an object', () => {
  assert.throws(() => defineService({ name: 'a', restart: { backoff: { initial: 500, max: 100 } } }), {
    code: 'FSR_ERR_INVALID_SERVICE',
    message: /restart\.backoff\.max: got 100; expected an integer no less than backoff\.initial \(500\)/,
  })
  assert.throws(() => defineService({ name: 'a', restart: 'always' as never }), { code: 'FSR_ERR_INVALID_SERVICE', message: /restart: got "always"; expected an object/ })
})

function captureThrow (fn: () => unknown): { code: string, problems: string[] } {
  try {
    fn()
  } catch (err) {
    return err as { code: string, problems: string[] }
  }
  assert.fail('did not throw')
}

test('a plain plugin cannot be restarted: its restart policy must stay never, and say why', () => {
  const runner = createRunner({ server: false, signals: false, logger: captureLogs().logger })
  const plugin = async () => {}
  assert.throws(() => runner.register(plugin, { service: { name: 'pool', restart: { policy: 'on-failure' } } }), {
    code: 'FSR_ERR_INVALID_SERVICE',
    message: /restart\.policy: got "on-failure"; expected "never" for a plain plugin: avvio loads a plugin once and Fastify refuses routes and decorators after ready, so a restart cannot run it again; wrap the resource in defineService, whose init and stop own it \(behind a getter\)/,
  })
  assert.throws(() => runner.register(plugin, { service: { name: 'pool', restart: { whenUnhealthyFor: 1_000 } } }), {
    code: 'FSR_ERR_INVALID_SERVICE',
    message: /restart\.whenUnhealthyFor: got 1000; expected none for a plain plugin/,
  })
  // `never` (what a plain plugin has anyway) is accepted.
  runner.register(plugin, { service: { name: 'pool', restart: { policy: 'never' } } })
  assert.deepEqual(runner.states().map((s) => s.name), ['pool'])
})
