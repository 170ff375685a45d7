// Keeps web pages of other sites away from the admin server. A browser on the operator's machine
// reaches a loopback admin server too: a page of another site may send it a POST (a form or a
// "simple" fetch needs no CORS consent), or read it under a host name of its own (DNS rebinding).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { FSR_ERR_ADMIN_CROSS_SITE, FSR_ERR_ADMIN_HOST } from './errors.ts'
import { isLoopback } from './options.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** True for a Host header that names a loopback address or `localhost` (any port). */
function isLoopbackHostHeader (host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d*$/, '')
  return name.toLowerCase() === 'localhost' || isLoopback(name)
}

/** True when a browser says the request comes from a page of another origin. */
function isFromOtherSite (request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site']
  if (site === 'cross-site' || site === 'same-site') return true
  const { origin, host } = request.headers
  if (origin === undefined) return false
  return !URL.canParse(origin) || new URL(origin).host !== host
}

/** Adds the onRequest guard: protected requests from other sites, and foreign host names on loopback, are refused. */
export function refuseOtherSites (admin: FastifyInstance, { isLoopback: isOnLoopback }: { readonly isLoopback: boolean }): void {
  admin.addHook('onRequest', async (request) => {
    const { host } = request.headers
    if (isOnLoopback && host !== undefined && !isLoopbackHostHeader(host)) throw new FSR_ERR_ADMIN_HOST(host)
    const isProtected = !SAFE_METHODS.has(request.method) || request.routeOptions.config.isProtected === true
    if (isProtected && isFromOtherSite(request)) throw new FSR_ERR_ADMIN_CROSS_SITE(request.method, request.routeOptions.url ?? request.url)
  })
}
