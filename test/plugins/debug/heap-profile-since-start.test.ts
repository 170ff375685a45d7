import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { Profile } from 'pprof-format'
import { startFixture } from '../../helpers/fixture-process.ts'

// `go tool pprof` comes from Debian's `golang-go` package. CI must have it; a developer may not.
const go = spawnSync('go', ['version'], { encoding: 'utf8' })
const hasGo = go.error === undefined && go.status === 0
const isCI = process.env.CI === 'true'

/** The samples whose stack holds `name`, and their bytes. */
function samplesOf (body: Buffer, name: string): { samples: number, bytes: number, sampleTypes: string[] } {
  const profile = Profile.decode(gunzipSync(body))
  const strings = profile.stringTable.strings
  const functions = new Set(profile.function.filter((fn) => strings[Number(fn.name)] === name).map((fn) => fn.id))
  const locations = new Set(profile.location.filter((location) => location.line.some((line) => functions.has(line.functionId))).map((location) => location.id))
  const found = profile.sample.filter((sample) => sample.locationId.some((id) => locations.has(id)))
  return {
    samples: found.length,
    bytes: found.reduce((sum, sample) => sum + Number(sample.value[1]), 0),
    sampleTypes: profile.sampleType.map((type) => strings[Number(type.type)]),
  }
}

test('GET /debug/pprof/heap answers at once with what is in use since start, a CPU profile at the same time included, and go tool pprof reads it', { timeout: 60_000 }, async (t) => {
  const fixture = startFixture(t, 'heap-kept-at-boot-server.ts')
  const { adminPort } = await fixture.waitForLine((line) => line.msg === 'fixture listening')
  const base = `http://127.0.0.1:${adminPort as number}`
  const heap = async (): Promise<Buffer> => {
    const response = await fetch(`${base}/debug/pprof/heap`)
    assert.equal(response.status, 200, await response.clone().text())
    return Buffer.from(await response.arrayBuffer())
  }

  // Allocated while the program booted, before any request: a window from now on could not see it.
  const first = await heap()
  const kept = samplesOf(first, 'keepForTheHeapProfile')
  assert.deepEqual(kept.sampleTypes, ['objects', 'space'])
  assert.ok(kept.samples > 0, 'samples of what the program allocated at boot and keeps')
  assert.ok(kept.bytes >= 10 * 1024 * 1024, `most of the ~40 MB kept is accounted for (${kept.bytes} bytes)`)

  // A CPU profile has an inspector session of its own: taking one, and its end, leave the heap sampler running.
  const cpu = fetch(`${base}/debug/pprof/profile?seconds=1`)
  const during = samplesOf(await heap(), 'keepForTheHeapProfile')
  assert.ok(during.samples > 0, 'the heap profile answers while a CPU profile is being taken')
  assert.equal((await cpu).status, 200)
  const after = samplesOf(await heap(), 'keepForTheHeapProfile')
  assert.ok(after.samples > 0, 'still sampled after the CPU profile ended')

  if (!hasGo && !isCI) {
    t.diagnostic('go is not installed (apt-get install golang-go): go tool pprof not run; CI runs it')
  } else {
    assert.ok(hasGo, 'go is required in CI: install Debian\'s `golang-go` package')
    const dir = mkdtempSync(join(tmpdir(), 'fsr-heap-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'heap.pb.gz')
    writeFileSync(file, first)
    const read = spawnSync('go', ['tool', 'pprof', '-top', '-sample_index=space', file], { encoding: 'utf8', env: { ...process.env, HOME: dir, GOCACHE: join(dir, 'cache') } })
    assert.equal(read.status, 0, `go tool pprof:\n${read.stdout}${read.stderr}`)
    assert.match(read.stdout, /keepForTheHeapProfile/, read.stdout)
  }

  fixture.child.kill('SIGTERM')
  const { code } = await fixture.exited
  assert.equal(code, 0, fixture.describe())
})
