// The digest: background work that counts the live notes every second, as a job that reports to a
// remote system would. Its first life fails after one round (a stand-in for a flaky upstream), so
// the example shows a restart: `on-failure` runs it again after the backoff delay, in the same instance.
import { setInterval } from 'node:timers/promises'
import { defineService } from '../../lib/index.ts'

const EVERY_MS = 1_000

export const digest = defineService({
  name: 'digest',
  dependsOn: ['notes'],
  restart: {
    policy: 'on-failure',
    backoff: { initial: 200, max: 10_000, factor: 2, jitter: 0.2 },
    // More than 5 restarts within a minute: give up, and the process reports itself degraded.
    intensity: { maxRestarts: 5, within: 60_000 },
    escalate: 'degrade',
  },
  async run (ctx) {
    try {
      for await (const _tick of setInterval(EVERY_MS, undefined, { signal: ctx.signal })) {
        const notes = await ctx.app.notes.list(1_000)
        ctx.log.info({ notes: notes.length, attempt: ctx.attempt }, 'digest sent')
        if (ctx.attempt === 0) throw new Error('digest upstream went away (simulated, first life only)')
      }
    } catch (err) {
      if (!ctx.signal.aborted) throw err
    }
  },
})
