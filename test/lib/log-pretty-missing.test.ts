import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { createRunner } from '../../lib/index.ts'

const isPrettyInstalled = ((): boolean => {
  try {
    createRequire(new URL('../../lib/logger.ts', import.meta.url)).resolve('pino-pretty')
    return true
  } catch {
    return false
  }
})()

test('log.format pretty without pino-pretty installed says to install it', { skip: isPrettyInstalled && 'pino-pretty is installed here' }, () => {
  for (const make of [() => createRunner({ log: { format: 'pretty' } }), () => createRunner({ server: false, admin: false, log: { format: 'pretty' } })]) {
    assert.throws(make, (err: Error & { code?: string }) => {
      assert.equal(err.code, 'FSR_ERR_PINO_PRETTY_MISSING', err.message)
      assert.match(err.message, /npm install pino-pretty/)
      assert.match(err.message, /FSR_LOG_FORMAT/)
      return true
    })
  }
})
