import assert from 'node:assert/strict'
import { test } from 'node:test'
import { programName, resolveRunnerOptions } from '../../lib/options.ts'

type OptionsError = Error & { code: string, problems: string[] }

test('log.destination and log.journal: option, then env, then default', () => {
  assert.deepEqual(resolveRunnerOptions({}, {}).log, { level: 'info', format: 'json', destination: 'auto', journal: { socket: '/run/systemd/journal/socket', identifier: programName() } })
  const fromEnv = resolveRunnerOptions({}, { FSR_LOG_DESTINATION: 'journal', FSR_LOG_IDENTIFIER: 'notes' }).log
  assert.equal(fromEnv.destination, 'journal')
  assert.equal(fromEnv.journal.identifier, 'notes')
  const explicit = resolveRunnerOptions({ log: { destination: 'stdout', journal: { socket: '/tmp/j.sock', identifier: 'api' } } }, { FSR_LOG_DESTINATION: 'journal', FSR_LOG_IDENTIFIER: 'notes' }).log
  assert.equal(explicit.destination, 'stdout')
  assert.deepEqual(explicit.journal, { socket: '/tmp/j.sock', identifier: 'api' })
  assert.ok(Object.isFrozen(explicit.journal))
})

test('the default identifier is the program\'s file name without its extension', () => {
  assert.equal(programName(['/usr/bin/node', '/opt/notes/dist/server.js']), 'server')
  assert.equal(programName(['/usr/bin/node', 'example/index.ts']), 'index')
  assert.equal(programName(['/usr/bin/node']), 'node', 'no script (node -e, a REPL)')
})

test('bad journal options are reported together, each saying what is accepted', () => {
  assert.throws(() => resolveRunnerOptions({
    log: { destination: 'syslog' as never, journal: { socket: 'journal.sock', identifier: 'two\nlines', sock: '/x' } as never },
  }, {}), (err: OptionsError) => {
    assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
    assert.deepEqual(err.problems, [
      '- log.destination: got "syslog"; expected one of auto, stdout, journal',
      '- log.journal.sock: got "/x"; expected no such key (accepted: socket, identifier)',
      '- log.journal.socket: got "journal.sock"; expected an absolute path of at most 107 bytes',
      '- log.journal.identifier: got "two\\nlines"; expected a name of 1 to 64 characters without control characters',
    ])
    return true
  })
  assert.throws(() => resolveRunnerOptions({ log: { journal: { socket: `/tmp/${'x'.repeat(103)}`, identifier: '' } } }, { FSR_LOG_DESTINATION: 'journald' }), (err: OptionsError) => {
    assert.deepEqual(err.problems, [
      '- FSR_LOG_DESTINATION: got "journald"; expected one of auto, stdout, journal',
      `- log.journal.socket: got "/tmp/${'x'.repeat(103)}"; expected an absolute path of at most 107 bytes`,
      '- log.journal.identifier: got ""; expected a name of 1 to 64 characters without control characters',
    ])
    return true
  })
  assert.throws(() => resolveRunnerOptions({ log: { journal: 'on' as never } }, { FSR_LOG_IDENTIFIER: 'x'.repeat(65) }), (err: OptionsError) => {
    assert.deepEqual(err.problems, [
      '- log.journal: got "on"; expected an object',
      `- FSR_LOG_IDENTIFIER: got "${'x'.repeat(65)}"; expected a name of 1 to 64 characters without control characters`,
    ])
    return true
  })
})

test('the journal takes json: log.format pretty with log.destination journal is refused', () => {
  assert.throws(() => resolveRunnerOptions({ log: { format: 'pretty', destination: 'journal' } }, {}), /log\.destination: got "journal"; expected stdout or auto with log\.format pretty/)
  assert.throws(() => resolveRunnerOptions({}, { FSR_LOG_FORMAT: 'pretty', FSR_LOG_DESTINATION: 'journal' }), /FSR_LOG_DESTINATION: got "journal"; expected stdout or auto with log\.format pretty/)
  assert.equal(resolveRunnerOptions({ log: { format: 'pretty' } }, {}).log.destination, 'auto', 'auto with pretty writes pretty lines to stdout')
})
