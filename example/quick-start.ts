// The README's quick start, as a file that runs: node --import tsx example/quick-start.ts
// (in an app of your own, import from 'fastify-service-runner').
import { setInterval } from 'node:timers/promises'
import { createRunner, defineService } from '../lib/index.ts'

declare module 'fastify' {
  interface FastifyInstance { startedAt: () => string }
}

// A service: acquire in init, report health from check, release in stop.
const clock = defineService({
  name: 'clock',
  async init (ctx) {
    const started = new Date()
    ctx.app.decorate('startedAt', () => started.toISOString())
  },
  async check () {
    return 'healthy' as const
  },
  // Background work: honour ctx.signal; a rejection is restarted with backoff.
  async run (ctx) {
    for await (const _ of setInterval(60_000, undefined, { signal: ctx.signal })) ctx.log.info('tick')
  },
  restart: { policy: 'on-failure' },
})

// Address from FSR_PORT / FSR_HOST, else 127.0.0.1:3000; admin server on 127.0.0.1:9090.
const runner = createRunner()
runner.register(clock)
// Any Fastify plugin is a service too: it loads after `clock` and stops before it.
runner.register(async (app) => {
  app.get('/', async () => ({ service: app.service.name, since: app.startedAt() }))
}, { service: { name: 'api', dependsOn: ['clock'] } })

await runner.start() // boots in order, listens, drains on SIGINT/SIGTERM, upgrades on SIGHUP
