// Fastify answers 404 for a known path asked with another method; the admin server answers 405
// with an Allow header instead, and 404 only for paths it does not serve at all.
import type { FastifyInstance } from 'fastify'
import { FSR_ERR_METHOD_NOT_ALLOWED } from './errors.ts'

/** Turns a route pattern (`/log-level/:service`) into a matcher of concrete paths. */
function toMatcher (pattern: string): RegExp {
  const source = pattern.split('/').map((part) => part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('/')
  return new RegExp(`^${source}/?$`)
}

/** Must be called before the routes are added: it learns them from the onRoute hook. */
export function answerMethodNotAllowed (admin: FastifyInstance): void {
  const routes: Array<{ url: string, methods: string[] }> = []
  admin.addHook('onRoute', (route) => {
    routes.push({ url: route.url, methods: [route.method].flat() })
  })
  // Made at the first request that no route takes, not one per route as the server boots; Fastify
  // adds no route once it is ready, and no request is answered before.
  let matchers: Array<{ matcher: RegExp, methods: string[] }> | undefined
  admin.setNotFoundHandler(async (request, reply) => {
    matchers ??= routes.map(({ url, methods }) => ({ matcher: toMatcher(url), methods }))
    const path = request.url.split('?')[0]
    const allowed = [...new Set(matchers.filter((route) => route.matcher.test(path)).flatMap((route) => route.methods))]
    if (allowed.length === 0) {
      return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${request.method} ${path}` })
    }
    reply.header('allow', allowed.join(', '))
    throw new FSR_ERR_METHOD_NOT_ALLOWED(request.method, path, allowed.join(', '))
  })
}
