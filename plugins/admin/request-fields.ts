// The few querystring and body fields the admin routes take, checked by hand. As request JSON
// schemas they made every admin server build an Ajv instance at boot, a third of its start.
import type { FastifyInstance } from 'fastify'
import { FSR_ERR_INVALID_REQUEST } from './errors.ts'

/** An integer field: its bounds, and the value it takes when absent. */
export interface IntegerField {
  readonly min: number
  readonly max: number
  readonly default?: number
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Admin server: the route's integer querystring fields, read into numbers before its handler. */
    integerQuery?: Readonly<Record<string, IntegerField>>
  }
}

type Part = 'querystring' | 'body'

/**
 * An integer from `min` to `max`, given as a number or as a decimal string (as a querystring
 * carries it, and as the schemas accepted it in a body); undefined when absent.
 */
export function readInteger (part: Part, name: string, value: unknown, { min, max }: IntegerField): number | undefined {
  if (value === undefined) return undefined
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (number === Infinity || number === -Infinity) throw new FSR_ERR_INVALID_REQUEST(`${part}/${name} must be a finite number; got ${number}`)
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new FSR_ERR_INVALID_REQUEST(`${part}/${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}`)
  }
  return number
}

/** One of `choices`; undefined when absent. */
export function readChoice<T extends string> (part: Part, name: string, value: unknown, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined
  if (!choices.includes(value as T)) throw new FSR_ERR_INVALID_REQUEST(`${part}/${name} must be one of ${choices.join(', ')}; got ${JSON.stringify(value)}`)
  return value as T
}

/** A JSON object body (not an array, not absent), as `example` shows one. */
export function readObjectBody (body: unknown, example: string): Readonly<Record<string, unknown>> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new FSR_ERR_INVALID_REQUEST(`body must be an object such as ${example}`)
  return body as Record<string, unknown>
}

/** Reads every route's `config.integerQuery` fields (their default when absent) before the handler, after the token guard. */
export function readIntegerQueries (admin: FastifyInstance): void {
  admin.addHook('preValidation', async (request) => {
    const fields = request.routeOptions.config.integerQuery
    if (fields === undefined) return
    const query = request.query as Record<string, unknown>
    for (const [name, field] of Object.entries(fields)) query[name] = readInteger('querystring', name, query[name], field) ?? field.default
  })
}
