// Ajv coerces a query or body string such as "Infinity" or "1e999" to a number that is not finite and
// then skips `minimum` and `maximum`, which it checks on finite numbers only: such a value would reach
// a handler (a timer of Infinity ms fires at once). Every admin route answers it with a 400 instead:
// the built-in routes read their fields by hand (request-fields.ts), this guards those given a schema.
import type { FastifyInstance } from 'fastify'
import { FSR_ERR_INVALID_REQUEST } from './errors.ts'

/** The first top-level value of `values` (admin queries and bodies are flat) that is a number but not finite. */
function findNonFinite (values: unknown): [string, number] | undefined {
  if (values === null || typeof values !== 'object') return undefined
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'number' && !Number.isFinite(value)) return [key, value]
  }
  return undefined
}

/** Adds the preHandler (after validation and coercion) that refuses non-finite numbers in every route's query and body. */
export function refuseNonFiniteNumbers (admin: FastifyInstance): void {
  admin.addHook('preHandler', async (request) => {
    for (const [part, values] of [['querystring', request.query], ['body', request.body]] as const) {
      const found = findNonFinite(values)
      if (found !== undefined) throw new FSR_ERR_INVALID_REQUEST(`${part}/${found[0]} must be a finite number; got ${found[1]}`)
    }
  })
}
