// The janitor: background work that deletes expired notes every second, until the runner stops it.
// The sweeps run in a worker of their own (`janitor/sweeper`, see docs/workers.md): its lines carry
// that name, and its health, degraded after a failed sweep, makes the janitor degraded through follow.
import { setInterval } from 'node:timers/promises'
import { defineService } from '../../lib/index.ts'

const SWEEP_EVERY_MS = 1_000

export const janitor = defineService({
  name: 'janitor',
  dependsOn: ['notes'],
  // The janitor can wait: trouble with notes only makes it degraded (store -> notes -> janitor).
  health: { follow: ['notes'] },
  async run (ctx) {
    const sweeper = ctx.child('sweeper', { health: true })
    try {
      // The signal aborts when the service begins to stop: the loop ends between two sweeps.
      for await (const _tick of setInterval(SWEEP_EVERY_MS, undefined, { signal: sweeper.signal })) {
        try {
          const ids = await ctx.app.notes.purgeExpired()
          if (ids.length > 0) sweeper.log.info({ ids }, 'expired notes purged')
          sweeper.health.report('healthy')
        } catch (err) {
          // One failed sweep is not the end of the job: the next tick tries again.
          sweeper.log.error({ err }, 'sweep failed')
          sweeper.health.report('degraded', { reason: 'sweep failed' })
        }
      }
    } catch (err) {
      if (!sweeper.signal.aborted) throw err
    }
  },
})
