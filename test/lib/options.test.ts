import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRunner } from '../../lib/index.ts'
import { programName, resolveRunnerOptions } from '../../lib/options.ts'

test('defaults apply when nothing is given', () => {
  const resolved = resolveRunnerOptions({}, {})
  assert.deepEqual(resolved.server, { host: '127.0.0.1', port: 3000 })
  assert.deepEqual(resolved.log, { level: 'info', format: 'json', destination: 'auto', journal: { socket: '/run/systemd/journal/socket', identifier: programName() } })
  assert.deepEqual(resolved.timeouts, { init: 10_000, ready: 10_000, stop: 10_000 })
  assert.deepEqual(resolved.signals, ['SIGINT', 'SIGTERM'])
  assert.deepEqual(resolved.shutdown, { drainDelay: 0, drainTimeout: 10_000, idleGrace: 1_000, timeout: 30_000 })
  assert.ok(Object.isFrozen(resolved) && Object.isFrozen(resolved.server))
})

test('env overrides defaults, explicit options override env', () => {
  const env = {
    FSR_PORT: '8080', FSR_HOST: '::1', FSR_LOG_LEVEL: 'debug', FSR_LOG_FORMAT: 'pretty',
    FSR_TIMEOUT_INIT: '500', FSR_DRAIN_DELAY: '250', FSR_DRAIN_TIMEOUT: '1000', FSR_IDLE_GRACE: '0', FSR_SHUTDOWN_TIMEOUT: '5000',
  }
  const fromEnv = resolveRunnerOptions({}, env)
  assert.deepEqual(fromEnv.server, { host: '::1', port: 8080 })
  assert.deepEqual({ level: fromEnv.log.level, format: fromEnv.log.format }, { level: 'debug', format: 'pretty' })
  assert.equal(fromEnv.timeouts.init, 500)
  assert.deepEqual(fromEnv.shutdown, { drainDelay: 250, drainTimeout: 1000, idleGrace: 0, timeout: 5000 })
  const explicit = resolveRunnerOptions({ server: { port: 0 }, log: { level: 'warn' }, timeouts: { init: 0 } }, env)
  assert.deepEqual(explicit.server, { host: '::1', port: 0 })
  assert.equal(explicit.log.level, 'warn')
  assert.equal(explicit.timeouts.init, 0, 'a falsy explicit value is kept')
})

test('server: false runs without a listener', () => {
  assert.equal(resolveRunnerOptions({ server: false }, { FSR_PORT: '1' }).server, false)
})

test('the input is never mutated', () => {
  const input = Object.freeze({ server: Object.freeze({ port: 1 }) })
  resolveRunnerOptions(input, {})
  assert.deepEqual(input, { server: { port: 1 } })
})

test('every problem is reported together, naming what is accepted', () => {
  assert.throws(() => resolveRunnerOptions({
    server: { port: 70_000, host: 'localhost' },
    log: { level: 'loud' as never },
    timeouts: { ready: 1.5 },
    signals: ['SIGHUP' as never],
    shutdown: { drainTimeout: -1 },
    fastify: { logger: true, http2: true } as never,
    colour: 'red',
  } as never, { FSR_LOG_FORMAT: 'xml' }), (err: Error & { code: string, problems: string[] }) => {
    assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
    assert.equal(err.problems.length, 10, err.message)
    for (const expected of [
      /colour: got "red"; expected no such option/,
      /server\.host: got "localhost"; expected an explicit IP address/,
      /server\.port: got 70000; expected an integer from 0 to 65535/,
      /log\.level: got "loud"; expected one of fatal, error, warn, info, debug, trace, silent/,
      /FSR_LOG_FORMAT: got "xml"; expected one of json, pretty/,
      /timeouts\.ready: got 1\.5/,
      /signals: .*SIGHUP and SIGUSR2 are reserved/,
      /shutdown\.drainTimeout: got -1/,
      /fastify\.logger: got true; expected no logger here/,
      /fastify\.http2: got true; expected false or unset: the main server is HTTP\/1\.1/,
    ]) assert.match(err.message, expected)
    return true
  })
})

test('a bad env value names the variable', () => {
  assert.throws(() => resolveRunnerOptions({}, { FSR_PORT: 'eighty' }), { code: 'FSR_ERR_INVALID_OPTIONS', message: /FSR_PORT: got "eighty"/ })
})

test('createRunner validates before creating anything', () => {
  assert.throws(() => createRunner({ server: { port: -1 } }), { code: 'FSR_ERR_INVALID_OPTIONS' })
})
