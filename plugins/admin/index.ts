// The admin server: a Fastify instance of its own, on its own port, listening before the services
// boot and closing after they all stopped, so it answers during the whole life of the process.
import { STATUS_CODES } from 'node:http'
import { fastify, LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AddressInfo } from 'node:net'
import type { ResolvedAdminOptions, Runner } from '../../types/index.ts'
import type { BuiltinPlugin } from '../../types/builtin-plugin.ts'
import { messageOf } from '../../lib/errors.ts'
import { FSR_ERR_ADMIN_LISTEN, FSR_ERR_INVALID_REQUEST } from './errors.ts'
import { healthRoutes } from './health-routes.ts'
import { logLevelRoutes } from './log-level-routes.ts'
import { answerMethodNotAllowed } from './method-not-allowed.ts'
import { resolveAdminOptions } from './options.ts'
import { refuseNonFiniteNumbers } from './refuse-non-finite.ts'
import { refuseOtherSites } from './other-sites.ts'
import { readIntegerQueries } from './request-fields.ts'
import { requireToken } from './require-token.ts'
import { servicesRoute } from './services-route.ts'
import { topicsRoute } from './topics-route.ts'
import { upgradeRoute } from './upgrade-route.ts'

/** Core errors carry no HTTP status; those an admin request can cause get theirs here. */
const CORE_ERROR_STATUS: Readonly<Record<string, number>> = { FSR_ERR_UNKNOWN_SERVICE: 404 }

export interface AdminPluginOptions {
  readonly runner: Runner
  /** When set, every mutating request and every route with `config.isProtected` needs it. */
  readonly token: string | undefined
  /** Listening on a loopback address: then only loopback host names are answered. */
  readonly isLoopback: boolean
}

/** The admin routes and their guards; other built-ins (metrics, debug) add routes after it. */
export const adminPlugin = fp<AdminPluginOptions>(async (admin, { runner, token, isLoopback }) => {
  refuseOtherSites(admin, { isLoopback })
  requireToken(admin, token)
  answerMethodNotAllowed(admin)
  refuseNonFiniteNumbers(admin)
  readIntegerQueries(admin)
  admin.setErrorHandler(function onAdminError (err: FastifyError, request, reply) {
    const failure = err.validation === undefined ? err : new FSR_ERR_INVALID_REQUEST(err.message)
    const statusCode = failure.statusCode ?? CORE_ERROR_STATUS[failure.code] ?? 500
    if (statusCode >= 500) {
      request.log.error({ err }, 'admin request failed')
      // No message, no stack: an internal error tells the caller nothing about the process.
      return reply.code(500).send({ statusCode: 500, error: STATUS_CODES[500], message: 'internal error' })
    }
    return reply.code(statusCode).send({ statusCode, code: failure.code, error: STATUS_CODES[statusCode], message: failure.message })
  })
  // Called, not registered: none needs a context of its own, and Fastify looks for the name of an
  // unnamed plugin through every loaded module (require.cache) as it registers it.
  await healthRoutes(admin, { runner })
  await servicesRoute(admin, { runner })
  await logLevelRoutes(admin, { runner })
  await upgradeRoute(admin, { runner })
  await topicsRoute(admin, { runner })
}, { name: 'fsr-admin', fastify: '5.x' })

/** Creates the admin instance and ties its listen and close to the runner's start and stop. */
export function installAdmin (runner: Runner, options: Readonly<ResolvedAdminOptions> | false): FastifyInstance | undefined {
  if (options === false) return undefined
  const log = runner.app.log.child({ plugin: 'admin' })
  const admin = fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Probes every few seconds would drown the log; changes and failures are logged by the routes.
    logController: new LogController({ disableRequestLogging: true }),
    // HEAD only where a probe may send it (the health routes): Fastify's HEAD for every GET route
    // ran a CPU profile or a heap snapshot for HEAD /debug/*, and held an event stream open for HEAD /events.
    exposeHeadRoutes: false,
  })
  admin.register(adminPlugin, { runner, token: options.token, isLoopback: options.isLoopback })
  Object.defineProperty(runner, 'admin', { value: admin, enumerable: true })

  runner.addHook('beforeStart', async () => {
    try {
      // Through the runner: an inherited admin socket is taken, and the socket is handed over on upgrade.
      await runner.listen('admin', admin, { port: options.port, host: options.host })
    } catch (err) {
      // runner.listen names the address in FSR_ERR_LISTEN; this error keeps the system error as its cause.
      const cause = (err as { code?: unknown }).code === 'FSR_ERR_LISTEN' ? (err as Error).cause : err
      throw new FSR_ERR_ADMIN_LISTEN(options.host, options.port, messageOf(cause), { cause })
    }
    const { address, port } = admin.server.address() as AddressInfo
    log.info({ address, port, isProtected: options.token !== undefined }, 'admin server listening')
  })
  runner.addHook('afterStop', async () => {
    await admin.close()
    // libuv releases a closed listening handle in the close-callbacks phase, after this turn's
    // immediates: let one whole turn pass, so stop() resolves with nothing of ours left open.
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve))
    log.info('admin server closed')
  })
  return admin
}

/** The `admin` runner option, as the package's createRunner composes it. */
export const adminBuiltin: BuiltinPlugin<Readonly<ResolvedAdminOptions> | false> = {
  option: 'admin',
  resolve: (input, env, server) => resolveAdminOptions(input as never, env, server),
  install: (runner, options) => { installAdmin(runner, options) },
}
