// Reads and changes, at run time, the log level of the runner and of each service's logger, with
// an optional revert after a duration (`?revertAfter=60s` or `{ "revertAfterMs": 60000 }`).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Runner } from '../../types/index.ts'
import { FSR_ERR_UNKNOWN_SERVICE } from '../../lib/errors.ts'
import { FSR_ERR_INVALID_REQUEST } from './errors.ts'
import { readChoice, readInteger, readObjectBody, type IntegerField } from './request-fields.ts'
import { sendJson } from './send-json.ts'

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
/** What a change answers: compiled on its first answer (see send-json.ts). */
const changedSchema = {
  type: 'object',
  required: ['target', 'level', 'previous'],
  properties: {
    target: { type: 'string', description: '"runner" or the service name' },
    level: levelSchema,
    previous: levelSchema,
    revertAt: { type: 'integer', description: 'epoch ms when `level` goes back to the level before the change' },
  },
} as const
const REVERT_MS: IntegerField = { min: 1, max: MAX_REVERT_MS }

type Level = typeof LEVELS[number]

/**
 * The change a PUT asks for: the body `{ level, revertAfterMs? }` and the querystring `?revertAfter=`
 * (e.g. 500ms, 60s, 5m, 1h, at most 24h); other fields are ignored.
 */
function readChange (body: unknown, query: Readonly<Record<string, unknown>>): { level: Level, revertAfter?: number } {
  const given = readObjectBody(body, '{"level":"debug"}')
  const level = readChoice('body', 'level', given.level, LEVELS)
  if (level === undefined) throw new FSR_ERR_INVALID_REQUEST(`body/level is required: one of ${LEVELS.join(', ')}`)
  let revertAfter = readInteger('body', 'revertAfterMs', given.revertAfterMs, REVERT_MS)
  if (query.revertAfter !== undefined) {
    revertAfter = typeof query.revertAfter === 'string' ? parseDuration(query.revertAfter) : undefined
    if (revertAfter === undefined) throw new FSR_ERR_INVALID_REQUEST(`querystring/revertAfter must be a duration such as 500ms, 60s, 5m or 1h, at most 24h; got ${JSON.stringify(query.revertAfter)}`)
  }
  return revertAfter === undefined ? { level } : { level, revertAfter }
}

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

  function change (targetName: string | undefined, request: FastifyRequest): Record<string, unknown> {
    const { level, revertAfter } = readChange(request.body, request.query as Record<string, unknown>)
    const logger = loggerOf(targetName)
    const target = targetName ?? 'runner'
    const pending = reverts.get(target)
    if (pending !== undefined) clearTimeout(pending.timer)
    reverts.delete(target)
    const previous = logger.level
    logger.level = level
    log.warn({ target, to: level, from: previous, revertAfter }, 'log level changed')
    if (revertAfter === undefined) return { target, level, previous }
    const back = pending?.level ?? previous
    const timer = setTimeout(() => {
      reverts.delete(target)
      logger.level = back
      log.warn({ target, to: back }, 'log level reverted')
    }, revertAfter)
    timer.unref()
    reverts.set(target, { timer, level: back })
    return { target, level, previous, revertAt: Date.now() + revertAfter }
  }

  admin.get('/log-level', async () => {
    const services: Record<string, string> = {}
    for (const { name } of runner.states()) services[name] = loggerOf(name).level
    return { runner: loggerOf(undefined).level, services }
  })
  admin.put('/log-level', async (request, reply) => sendJson(reply, changedSchema, change(undefined, request)))
  admin.get<{ Params: { service: string } }>('/log-level/:service', async (request) => {
    return { target: request.params.service, level: loggerOf(request.params.service).level }
  })
  admin.put<{ Params: { service: string } }>('/log-level/:service', async (request, reply) => {
    return sendJson(reply, changedSchema, change(request.params.service, request))
  })
}
