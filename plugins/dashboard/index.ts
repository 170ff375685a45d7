// The dashboard: a live page on the admin server (GET /) and the Server-Sent Events behind it
// (GET /events), for people and for other tools.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { BuiltinPlugin } from '../../types/builtin-plugin.ts'
import type { Runner } from '../../types/index.ts'
import { EventLog } from './event-log.ts'
import { eventsRoute } from './events-route.ts'
import { RunnerFollower } from './follow-runner.ts'
import { resolveDashboardOptions, type ResolvedDashboardOptions } from './options.ts'
import { ProcessSampler } from './process-sampler.ts'

interface DashboardPluginOptions {
  readonly runner: Runner
  readonly log: EventLog
  readonly follower: RunnerFollower
}

/** The page and the hash of its one inline script, which the Content-Security-Policy allows alone. */
async function readPage (): Promise<{ html: string, policy: string }> {
  const html = await readFile(new URL('page.html', import.meta.url), 'utf8')
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!
  const hash = createHash('sha256').update(script).digest('base64')
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!
  const styleHash = createHash('sha256').update(style).digest('base64')
  const policy = `default-src 'none'; script-src 'sha256-${hash}'; style-src 'sha256-${styleHash}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`
  return { html, policy }
}

export const dashboardPlugin = fp<DashboardPluginOptions>(async (admin: FastifyInstance, { runner, log, follower }) => {
  const sampler = new ProcessSampler((sample) => log.broadcast('sample', { ...sample, runner: runner.status, health: runner.health().status }))
  admin.addHook('onClose', async () => {
    follower.unfollow()
    sampler.stop()
  })
  // Read at the first request, not at boot: a program that never opens the page never reads it.
  let page: Promise<{ html: string, policy: string }> | undefined
  admin.get('/', async (request, reply) => {
    page ??= readPage()
    const { html, policy } = await page
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', policy)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .send(html)
  })
  // Called, not registered: Fastify looks for an unnamed plugin's name through every loaded module.
  await eventsRoute(admin, { runner, log, sampler, follower })
}, { name: 'fsr-dashboard', fastify: '5.x', dependencies: ['fsr-admin'] })

/** The `dashboard` runner option, as the package's createRunner composes it (after `admin`). */
export const dashboardBuiltin: BuiltinPlugin<ResolvedDashboardOptions> = {
  option: 'dashboard',
  resolve: (input, env) => resolveDashboardOptions(input as never, env),
  install: (runner, options) => {
    if (options === false || runner.admin === undefined) return
    // Followed before start: the restart decisions are kept from the first one on.
    const log = new EventLog(options.history)
    runner.admin.register(dashboardPlugin, { runner, log, follower: new RunnerFollower(runner, log, options.history) })
  },
}
