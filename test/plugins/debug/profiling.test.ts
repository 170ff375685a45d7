import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { Profile } from 'pprof-format'
import { createRunner, type Runner, type RunnerOptions } from '../../../lib/index.ts'
import { waitFor } from '../../helpers/fixture-process.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

async function startRunner (t: TestContext, options: RunnerOptions = {}): Promise<Runner> {
  const runner = createRunner({ server: { port: 0 }, admin: { port: 0 }, signals: false, logger: captureLogs('warn').logger, ...options })
  t.after(() => runner.stop())
  await runner.start()
  return runner
}

/** Spins for a few milliseconds: the function the CPU profile must find. */
function burnCpuForTheProfileTest (): number {
  let x = 0
  const until = performance.now() + 5
  while (performance.now() < until) x += Math.sqrt(x + 1)
  return x
}

/** Keeps the CPU busy in slices until `done` settles, yielding to the event loop in between. */
async function burnUntil (done: Promise<unknown>): Promise<void> {
  let isDone = false
  void done.finally(() => { isDone = true })
  while (!isDone) {
    burnCpuForTheProfileTest()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

function decode (body: Buffer): { profile: Profile, strings: string[] } {
  const profile = Profile.decode(gunzipSync(body))
  return { profile, strings: profile.stringTable.strings }
}

test('a CPU profile in pprof format holds samples of the function that burned CPU', async (t) => {
  const runner = await startRunner(t)
  const response = runner.admin!.inject('/debug/pprof/profile?seconds=1')
  await burnUntil(response)
  const { statusCode, headers, rawPayload } = await response
  assert.equal(statusCode, 200)
  assert.equal(headers['content-type'], 'application/octet-stream')
  assert.match(String(headers['content-disposition']), /profile\.pb\.gz/)
  const { profile, strings } = decode(rawPayload)
  assert.deepEqual(profile.sampleType.map((type) => [strings[Number(type.type)], strings[Number(type.unit)]]), [['samples', 'count'], ['cpu', 'nanoseconds']])
  // V8 may report one function under more than one call frame (interpreted, optimized): take them all.
  const burners = new Set(profile.function.filter((fn) => strings[Number(fn.name)] === 'burnCpuForTheProfileTest').map((fn) => fn.id))
  assert.ok(burners.size > 0, 'the burning function is in the profile')
  const burnerLocations = new Set(profile.location.filter((location) => location.line.some((line) => burners.has(line.functionId))).map((location) => location.id))
  const burning = profile.sample.filter((sample) => sample.locationId.some((id) => burnerLocations.has(id)))
  const count = burning.reduce((sum, sample) => sum + Number(sample.value[0]), 0)
  // Samples are counted on CPU time: on a loaded machine the burn gets few, but never none.
  assert.ok(count > 0, 'samples fell in the burning function')
  assert.ok(Number(profile.durationNanos) >= 1e9 * 0.9, 'the profile covers the seconds asked for')
})

test('a heap profile in pprof format holds what was allocated and kept during it', async (t) => {
  const runner = await startRunner(t)
  const kept: number[][] = []
  const response = runner.admin!.inject('/debug/pprof/heap?seconds=1')
  let isDone = false
  void response.finally(() => { isDone = true })
  while (!isDone) {
    kept.push(Array.from({ length: 10_000 }, () => kept.length))
    await new Promise((resolve) => setImmediate(resolve))
  }
  const { statusCode, rawPayload } = await response
  assert.equal(statusCode, 200)
  const { profile, strings } = decode(rawPayload)
  assert.deepEqual(profile.sampleType.map((type) => strings[Number(type.type)]), ['objects', 'space'])
  assert.ok(profile.sample.length > 0, `samples of ${kept.length} kept arrays`)
  assert.ok(profile.sample.every((sample) => Number(sample.value[1]) > 0))
})

test('a heap snapshot streams as V8 snapshot JSON', async (t) => {
  const runner = await startRunner(t)
  const response = await runner.admin!.inject('/debug/heapsnapshot')
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-disposition']), /\.heapsnapshot"/)
  assert.match(response.body.slice(0, 100), /^\{"snapshot":\{"meta":/)
})

test('one profile at a time: a second one meanwhile gets 429 with Retry-After', async (t) => {
  const logs = captureLogs('info')
  const runner = await startRunner(t, { logger: logs.logger })
  const first = runner.admin!.inject('/debug/pprof/profile?seconds=1')
  await waitFor(() => logs.messages('cpu profile started').length === 1)
  for (const url of ['/debug/pprof/profile?seconds=1', '/debug/pprof/heap?seconds=1', '/debug/heapsnapshot']) {
    const second = await runner.admin!.inject(url)
    assert.equal(second.statusCode, 429, url)
    assert.equal(second.json().code, 'FSR_ERR_PROFILE_BUSY')
    assert.ok(Number(second.headers['retry-after']) >= 1)
  }
  assert.equal((await first).statusCode, 200)
  assert.equal((await runner.admin!.inject('/debug/heapsnapshot')).statusCode, 200, 'free again afterwards')
})

test('seconds is validated: 400 with a code outside 1..maxProfileSeconds', async (t) => {
  const runner = await startRunner(t, { debug: { maxProfileSeconds: 5 } })
  for (const url of ['/debug/pprof/profile?seconds=0', '/debug/pprof/profile?seconds=6', '/debug/pprof/profile?seconds=abc', '/debug/pprof/heap?seconds=1.5', '/debug/pprof/heap?seconds=-1']) {
    const response = await runner.admin!.inject(url)
    assert.equal(response.statusCode, 400, url)
    assert.equal(response.json().code, 'FSR_ERR_INVALID_REQUEST')
  }
})

test('debug: false serves no /debug routes', async (t) => {
  const runner = await startRunner(t, { debug: false })
  assert.equal((await runner.admin!.inject('/debug/heapsnapshot')).statusCode, 404)
})
