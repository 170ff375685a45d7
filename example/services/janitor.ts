// The janitor: background work that deletes expired notes every second, until the runner stops it.
import { setInterval } from 'node:timers/promises'
import { defineService } from '../../lib/index.ts'

const SWEEP_EVERY_MS = 1_000

export const janitor = defineService({
  name: 'janitor',
  dependsOn: ['notes'],
  // The janitor can wait: trouble with notes only makes it degraded (store -> notes -> janitor).
  health: { follow: ['notes'] },
  async run (ctx) {
    try {
      // The signal aborts when the service begins to stop: the loop ends between two sweeps.
      for await (const _tick of setInterval(SWEEP_EVERY_MS, undefined, { signal: ctx.signal })) {
        try {
          const ids = await ctx.app.notes.purgeExpired()
          if (ids.length > 0) ctx.log.info({ ids }, 'expired notes purged')
        } catch (err) {
          // One failed sweep is not the end of the job: the next tick tries again.
          ctx.log.error({ err }, 'sweep failed')
        }
      }
    } catch (err) {
      if (!ctx.signal.aborted) throw err
    }
  },
})
