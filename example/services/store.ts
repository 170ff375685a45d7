// The store: an embedded PostgreSQL (PGlite: Postgres compiled to WASM, in memory, no server to run).
// init opens it (the `migrate` task makes the schema); the database is then `app.store` for every
// service after it.
import { PGlite } from '@electric-sql/pglite'
import { defineService } from '../../lib/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The embedded database, decorated by the `store` service. */
    readonly store: PGlite
  }
}

export const store = defineService({
  name: 'store',
  // A fresh in-memory database runs initdb inside WASM first: seconds on a small machine.
  timeouts: { init: 60_000 },
  async init (ctx) {
    const db = await PGlite.create()
    ctx.app.decorate('store', db)
    ctx.log.info({ engine: 'pglite' }, 'store opened')
  },
  // Passive health: polled every 10 s (FSR_HEALTH_INTERVAL for all services); a throw is unhealthy.
  health: { interval: 10_000, timeout: 2_000 },
  async check (ctx) {
    await ctx.app.store.query('select 1')
    return 'healthy' as const
  },
  async stop (ctx) {
    await ctx.app.store.close()
    ctx.log.info('store closed')
  },
})
