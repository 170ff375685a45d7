// Reads and changes, at run time, the log level of the runner and of each service's logger, with
// an optional revert after a duration (`?revertAfter=60s` or `{ "revertAfterMs": 60000 }`).
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Runner } from '../../types/index.ts'
import { FSR_ERR_UNKNOWN_SERVICE } from '../../lib/errors.ts'
import { FSR_ERR_INVALID_REQUEST } from './errors.ts'
import { errorSchema } from './health-schemas.ts'

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
const MAX_REVERT_MS = 24 * 60 * 60 * 1000
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Parses `500ms`, `60s`, `5m`, `1h` (a bare number is seconds); undefined when malformed or out of range. */
export function parseDuration (text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim())
  if (match === null) return undefined
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 's']
  return ms >= 1 && ms <= MAX_REVERT_MS ? ms : undefined
}

const levelSchema = { type: 'string', enum: LEVELS } as const
const changeSchema = {
  body: {
    type: 'object',
    required: ['level'],
    additionalProperties: false,
    properties: { level: levelSchema, revertAfterMs: { type: 'integer', minimum: 1, maximum: MAX_REVERT_MS } },
  },
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { revertAfter: { type: 'string', description: 'e.g. 500ms, 60s, 5m, 1h (at most 24h)' } },
  },
  response: {
    200: {
      type: 'object',
      required: ['target', 'level', 'previous'],
      properties: {
        target: { type: 'string', description: '"runner" or the service name' },
        level: levelSchema,
        previous: levelSchema,
        revertAt: { type: 'integer', description: 'epoch ms when `level` goes back to the level before the change' },
      },
    },
    '4xx': errorSchema,
  },
} as const

interface ChangeBody { level: typeof LEVELS[number], revertAfterMs?: number }
interface ChangeQuery { revertAfter?: string }

export async function logLevelRoutes (admin: FastifyInstance, { runner }: { runner: Runner }): Promise<void> {
  const log = admin.log
  // A pending revert per target; a newer change replaces it but keeps the level to go back to.
  const reverts = new Map<string, { timer: NodeJS.Timeout, level: string }>()
  admin.addHook('onClose', async () => {
    for (const { timer } of reverts.values()) clearTimeout(timer)
    reverts.clear()
  })

  function loggerOf (target: string | undefined): Logger {
    if (target === undefined) return runner.app.log as Logger
    const logger = runner.serviceLogger(target)
    if (logger === undefined) throw new FSR_ERR_UNKNOWN_SERVICE('log level', target, runner.states().map((s) => s.name).join(', ') || 'none')
    return logger
  }

  function change (targetName: string | undefined, body: ChangeBody, query: ChangeQuery): Record<string, unknown> {
    const logger = loggerOf(targetName)
    const target = targetName ?? 'runner'
    let revertAfter = body.revertAfterMs
    if (query.revertAfter !== undefined) {
      revertAfter = parseDuration(query.revertAfter)
      if (revertAfter === undefined) throw new FSR_ERR_INVALID_REQUEST(`querystring/revertAfter must be a duration such as 500ms, 60s, 5m or 1h, at most 24h; got ${JSON.stringify(query.revertAfter)}`)
    }
    const pending = reverts.get(target)
    if (pending !== undefined) clearTimeout(pending.timer)
    reverts.delete(target)
    const previous = logger.level
    logger.level = body.level
    log.warn({ target, to: body.level, from: previous, revertAfter }, 'log level changed')
    if (revertAfter === undefined) return { target, level: body.level, previous }
    const back = pending?.level ?? previous
    const timer = setTimeout(() => {
      reverts.delete(target)
      logger.level = back
      log.warn({ target, to: back }, 'log level reverted')
    }, revertAfter)
    timer.unref()
    reverts.set(target, { timer, level: back })
    return { target, level: body.level, previous, revertAt: Date.now() + revertAfter }
  }

  admin.get('/log-level', async () => {
    const services: Record<string, string> = {}
    for (const { name } of runner.states()) services[name] = loggerOf(name).level
    return { runner: loggerOf(undefined).level, services }
  })
  admin.put<{ Body: ChangeBody, Querystring: ChangeQuery }>('/log-level', { schema: changeSchema }, async (request) => change(undefined, request.body, request.query))
  admin.get<{ Params: { service: string } }>('/log-level/:service', async (request) => {
    return { target: request.params.service, level: loggerOf(request.params.service).level }
  })
  admin.put<{ Body: ChangeBody, Querystring: ChangeQuery, Params: { service: string } }>('/log-level/:service', { schema: changeSchema }, async (request) => {
    return change(request.params.service, request.body, request.query)
  })
}
