// Guards the protected admin endpoints (every mutating method, and routes marked
// `config: { isProtected: true }` such as /debug/*) with a bearer token, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { FSR_ERR_ADMIN_UNAUTHORIZED } from './errors.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Admin server: the route requires the admin token even for a safe method. */
    isProtected?: boolean
  }
}

/** Hashing both sides gives equal-length buffers, so the comparison time says nothing about the token. */
function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** True when the request carries `Authorization: Bearer <token>` with exactly this token. */
export function hasToken (request: FastifyRequest, expected: Buffer): boolean {
  const header = request.headers.authorization
  if (typeof header !== 'string') return false
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
  if (match === null) return false
  return timingSafeEqual(digest(match[1]), expected)
}

/** Adds the onRequest guard; without a token (only allowed on loopback or with allowInsecure) nothing is guarded. */
export function requireToken (admin: FastifyInstance, token: string | undefined): void {
  if (token === undefined) return
  const expected = digest(token)
  admin.addHook('onRequest', async (request, reply) => {
    const isProtected = !SAFE_METHODS.has(request.method) || request.routeOptions.config.isProtected === true
    if (!isProtected || hasToken(request, expected)) return
    reply.header('www-authenticate', 'Bearer realm="admin"')
    throw new FSR_ERR_ADMIN_UNAUTHORIZED(request.method, request.routeOptions.url ?? request.url)
  })
}
