import assert from 'node:assert/strict'
import { Session } from 'node:inspector/promises'
import { test, type TestContext } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { Profile } from 'pprof-format'
import { createRunner, type Runner, type RunnerOptions } from '../../../lib/index.ts'
import { captureLogs } from '../../helpers/log-capture.ts'

async function startRunner (t: TestContext, options: RunnerOptions = {}): Promise<Runner> {
  const runner = createRunner({ server: false, admin: { port: 0 }, signals: false, logger: captureLogs('warn').logger, ...options })
  t.after(() => runner.stop())
  await runner.start()
  return runner
}

/** Whether V8's sampling heap profiler runs in this process, asked through a session of our own. */
async function isSampling (): Promise<boolean> {
  const session = new Session()
  session.connect()
  try {
    await session.post('HeapProfiler.getSamplingProfile')
    return true
  } catch {
    return false
  } finally {
    session.disconnect()
  }
}

test('the heap sampler runs from the debug plugin\'s start to its close, and two runners share it', async (t) => {
  assert.equal(await isSampling(), false, 'nothing samples before a runner starts')
  const first = await startRunner(t)
  assert.equal(await isSampling(), true)
  const second = await startRunner(t)
  await first.stop()
  assert.equal(await isSampling(), true, 'the first runner\'s close leaves the sampler to the second')
  // 8 MB kept while the profile is read: about 16 samples at the default 512 KB between two, so
  // the profile is never empty by chance (what the runners keep alone may fall between samples).
  const kept = Array.from({ length: 1_000 }, () => Array.from({ length: 1_000 }, () => 0))
  const response = await second.admin!.inject('/debug/pprof/heap')
  assert.equal(response.statusCode, 200, response.body)
  assert.ok(Profile.decode(gunzipSync(response.rawPayload)).sample.length > 0, 'samples of what the process keeps')
  assert.equal(kept.length, 1_000)
  await second.stop()
  assert.equal(await isSampling(), false, 'the last close stops it')
})

test('heapSinceStart: false samples only during a window: nothing runs meanwhile, and a window leaves nothing running', async (t) => {
  const runner = await startRunner(t, { debug: { heapSinceStart: false } })
  assert.equal(await isSampling(), false)
  const response = await runner.admin!.inject('/debug/pprof/heap?seconds=1')
  assert.equal(response.statusCode, 200)
  assert.equal(await isSampling(), false)
})

test('bad heap options are refused with every other problem, saying what is accepted', () => {
  assert.throws(() => createRunner({ debug: { heapSinceStart: 'yes' as never, heapSamplingInterval: 0 } }), (err: Error & { code?: string, problems?: string[] }) => {
    assert.equal(err.code, 'FSR_ERR_INVALID_OPTIONS')
    assert.deepEqual(err.problems, [
      '- debug.heapSinceStart: got "yes"; expected true or false',
      '- debug.heapSamplingInterval: got 0; expected an integer from 1 to 2147483647',
    ])
    return true
  })
  assert.throws(() => createRunner({ debug: { heapSamplingInterval: 1.5 } }), /debug\.heapSamplingInterval: got 1\.5/)
})
