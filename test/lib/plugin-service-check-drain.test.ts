import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createRunner, type ServiceContext } from '../../lib/index.ts'
import { captureLogs } from '../helpers/log-capture.ts'
import { waitForHealth } from '../helpers/wait-for-health.ts'

interface FakePool {
  readonly connectionString: string
  query (sql: string): Promise<{ rows: unknown[] }>
  end (): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance { pg: FakePool }
}

/** A plain plugin shaped like @fastify/postgres: decorates the parent with a pool and ends it in onClose. */
function fakePostgres (events: string[], answer: () => Promise<{ rows: unknown[] }>) {
  return fp(async (app: FastifyInstance, opts: { connectionString: string, service?: unknown }) => {
    events.push(`plugin options: ${JSON.stringify(Object.keys(opts).sort())}`)
    const pool: FakePool = {
      connectionString: opts.connectionString,
      query: async (sql) => { events.push(`query ${sql}`); return await answer() },
      end: async () => { events.push('pool end') },
    }
    app.decorate('pg', pool)
    app.addHook('onClose', async () => pool.end())
  }, { name: 'fake-postgres' })
}

function quietRunner () {
  const logs = captureLogs()
  return createRunner({ server: false, signals: false, admin: false, pressure: false, logger: logs.logger, health: { interval: 60_000 } })
}

test('a plain plugin registered as a service gets a passive check, and a service following it derives from it', async (t) => {
  const runner = quietRunner()
  t.after(() => runner.stop())
  const events: string[] = []
  let isDown = false
  let checkCtx: ServiceContext | undefined
  runner.register(fakePostgres(events, async () => {
    if (isDown) throw new Error('connection refused')
    return { rows: [{ ok: 1 }] }
  }), {
    connectionString: 'postgres://db.internal/app',
    service: {
      name: 'db',
      health: { interval: 1, timeout: 1_000 },
      async check (ctx) {
        checkCtx = ctx
        await ctx.app.pg.query('SELECT 1')
        return 'healthy' as const
      },
    },
  })
  runner.register(fp(async () => {}, { name: 'api-routes' }), {
    service: { name: 'api', health: { follow: ['db'], derive: (statuses) => statuses.db === 'unhealthy' ? 'degraded' : 'healthy' } },
  })
  // A handle to watch the services' health from outside.
  const probe = runner.addHealthSource('probe', { critical: false })
  await runner.start()
  const healthy = await waitForHealth(probe, 'db', (change) => change.status === 'healthy' && change.checkedAt !== undefined)
  assert.equal(healthy.status, 'healthy')
  assert.equal(checkCtx?.name, 'db')
  assert.equal(checkCtx?.app.pg.connectionString, 'postgres://db.internal/app')
  assert.ok(events.includes('query SELECT 1'))
  assert.equal(events[0], 'plugin options: ["connectionString"]', 'the plugin gets its own options, not the service fields')

  isDown = true
  const unhealthy = await waitForHealth(probe, 'db', (change) => change.status === 'unhealthy')
  assert.equal(unhealthy.reason, 'connection refused')
  const api = await waitForHealth(probe, 'api', (change) => change.status === 'degraded')
  assert.equal(api.derived, 'degraded')
  assert.equal(runner.health().status, 'unhealthy')
})

test('a plain plugin registered as a service gets a drain, called before its onClose ends the pool', async () => {
  const runner = quietRunner()
  const events: string[] = []
  let drained: ServiceContext | undefined
  runner.register(fakePostgres(events, async () => ({ rows: [] })), {
    connectionString: 'postgres://db.internal/app',
    service: {
      name: 'db',
      async drain (ctx) {
        drained = ctx
        events.push(`drain ${ctx.name} (signal aborted: ${ctx.signal.aborted})`)
        await ctx.app.pg.query('LISTEN off')
      },
    },
  })
  await runner.start()
  await runner.stop()
  assert.equal(drained?.name, 'db')
  assert.deepEqual(events.slice(1), ['drain db (signal aborted: false)', 'query LISTEN off', 'pool end'])
  assert.deepEqual(runner.states().map((s) => s.state), ['stopped'])
})

test('opts.service: check and drain must be functions, a check may be timed, and the other hooks stay refused', () => {
  const runner = quietRunner()
  const plugin = async (): Promise<void> => {}
  const problemsOf = (service: unknown): string => {
    try {
      runner.register(plugin, { service } as never)
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'FSR_ERR_INVALID_SERVICE')
      return ((err as { problems: string[] }).problems).join('\n')
    }
    return ''
  }
  assert.match(problemsOf({ name: 'a', check: 42 }), /- check: got 42; expected a function/)
  assert.match(problemsOf({ name: 'b', drain: 'soon' }), /- drain: got "soon"; expected a function/)
  assert.match(problemsOf({ name: 'c', check: () => 'healthy', health: { interval: 0 } }), /- health.interval: got 0/)
  assert.match(problemsOf({ name: 'c', health: { interval: 10 } }), /- health.interval: .*no such key/, 'without a check there is nothing to time')
  assert.match(problemsOf({ name: 'd', init: () => {} }), /- init: .*no such field/)
  assert.equal(problemsOf({ name: 'f', check: () => 'healthy', drain: () => {}, health: { interval: 10, timeout: 5 } }), '')
})
