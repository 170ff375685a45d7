import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startFixture } from '../helpers/fixture-process.ts'

// Like plain Fastify and @fastify/under-pressure, a runner that reached ready() and is never closed
// lets the process end when nothing else is left: a plugin's or a user's test suite must not hang.
for (const mode of ['ready', 'start']) {
  test(`a runner with every built-in on, at ${mode === 'ready' ? 'ready()' : 'start() with nothing to listen on'}, never closed: the process exits by itself with 0`, { timeout: 30_000 }, async (t) => {
    // A sample interval of its minimum: were the sampler's timer to hold the process, it would tick meanwhile.
    const fixture = startFixture(t, 'never-closed-exits.ts', { FIXTURE_MODE: mode, FSR_PRESSURE_SAMPLE_INTERVAL: '100' })
    const ready = await fixture.waitForLine((line) => line.msg === 'fixture ready', 20_000)
    if (mode === 'ready') {
      const injected = fixture.lines.find((line) => line.msg === 'fixture injected')
      assert.deepEqual([injected?.main, injected?.metrics], [200, 200], 'both instances answered')
    }
    assert.ok(Array.isArray(ready.resources))
    // Bounded by the test's timeout: a timer that holds the process makes this wait fail.
    const { code, signal } = await fixture.exited
    assert.equal(signal, null)
    assert.equal(code, 0, fixture.describe())
    assert.ok(fixture.lines.some((line) => line.msg === 'fixture exiting'), 'the process ended on its own')
  })
}
