import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const deploy = fileURLToPath(new URL('../../example/deploy/', import.meta.url))
const units = ['notes.service', 'notes-activated.service', 'notes-activated.socket', 'notes-activated-admin.socket']

test('the example systemd units pass systemd-analyze verify', async (t) => {
  // CI installs systemd's tools (and fails without them); elsewhere the skip says why.
  const found = await run('systemd-analyze', ['--version']).then(() => true, () => false)
  if (!found && process.env.CI !== 'true') {
    t.skip('systemd-analyze is not installed')
    return
  }
  for (const unit of units) {
    const { stderr } = await run('systemd-analyze', ['verify', '--man=no', unit], { cwd: deploy })
    assert.equal(stderr.trim(), '', `${unit}: ${stderr}`)
  }
})

test('the reload unit is wired for a zero-downtime upgrade', async () => {
  const unit = await readFile(`${deploy}notes.service`, 'utf8')
  for (const line of ['Type=notify', 'NotifyAccess=main', 'ExecReload=/bin/kill -HUP $MAINPID', 'WatchdogSec=10s', 'PIDFile=/run/notes/notes.pid']) {
    assert.ok(unit.split('\n').includes(line), `${line} is set`)
  }
  assert.match(unit, /^ExecStart=\/usr\/bin\/node /m, 'started with node directly, not npm')
})

