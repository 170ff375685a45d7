import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'

test('the example unit names its journal records and leaves the destination to JOURNAL_STREAM', async () => {
  const unit = (await readFile(new URL('../../example/deploy/notes.service', import.meta.url), 'utf8')).split('\n')
  assert.ok(unit.includes('Environment=FSR_LOG_IDENTIFIER=notes'))
  assert.ok(!unit.some((line) => /FSR_LOG_DESTINATION|StandardOutput=(?!journal)/.test(line)), 'auto finds the journal when systemd connects stdout to it')
})
