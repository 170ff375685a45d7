// The store: PostgreSQL for the services after it, as `app.store`. By default the embedded PGlite
// (Postgres compiled to WASM), kept in a data directory by a store process of its own, so that its
// seconds of initdb never block this process and its data outlives an upgrade; with DATABASE_URL,
// a real PostgreSQL through `pg`. The same SQL runs on both.
import { defineService } from '../../lib/index.ts'
import { resolveStoreOptions } from '../store/options.ts'
import { PgliteStore } from '../store/pglite-client.ts'
import { PostgresStore } from '../store/postgres-client.ts'
import type { Store } from '../store/store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The database, decorated by the `store` service. */
    readonly store: Store
  }
}

export const store = defineService({
  name: 'store',
  // A fresh data directory runs initdb first: seconds on a small machine (in the store process).
  timeouts: { init: 60_000 },
  async init (ctx) {
    const options = resolveStoreOptions(process.env)
    if (options.engine === 'postgres') {
      const db = new PostgresStore(options.url, (err) => {
        ctx.log.warn({ err }, 'database connection lost')
        ctx.health.report('degraded', { reason: 'database connection lost' })
      })
      try {
        // Fail the boot now, not at the first request, when the database cannot be reached.
        await db.query('select 1')
      } catch (err) {
        await db.close()
        throw err
      }
      ctx.app.decorate('store', db)
      const { host, pathname } = new URL(options.url)
      ctx.log.info({ engine: 'postgres', host, database: pathname.slice(1) }, 'store opened')
      return
    }
    const { store: db, storePid, spawned } = await PgliteStore.open({
      ...options,
      log: ctx.log,
      onGone: (reason) => ctx.health.report('unhealthy', { reason }),
    }, ctx.signal)
    ctx.app.decorate('store', db)
    ctx.log.info({ engine: 'pglite', dataDir: options.dataDir, storePid, spawned }, 'store opened')
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
