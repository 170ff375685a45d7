// /services: every service's lifecycle state, health, restart count, timeline and workers, as JSON.
import type { FastifyInstance } from 'fastify'
import type { Runner } from '../../types/index.ts'
import { redactUrlCredentials } from '../../lib/redact-url-credentials.ts'
import { serviceHealthSchema } from './health-schemas.ts'
import { readHealth } from './read-health.ts'
import { sendJson } from './send-json.ts'

const transitionSchema = {
  type: 'object',
  required: ['to', 'at', 'duration'],
  properties: {
    from: { type: 'string' },
    to: { type: 'string' },
    at: { type: 'integer', description: 'epoch ms' },
    duration: { type: 'number', description: 'ms spent in `from`' },
    error: { type: 'string', description: 'message of the failure that caused the transition' },
  },
} as const

const workerSchema = {
  type: 'object',
  required: ['name', 'startedAt', 'aborted'],
  properties: {
    name: { type: 'string', description: 'service/worker (nested: service/worker/worker)' },
    startedAt: { type: 'integer', description: 'epoch ms the worker was made' },
    aborted: { type: 'boolean', description: 'true once its signal aborted (its health entry is gone then)' },
    health: { type: 'string', description: 'the status of its health entry, for a live worker that has one' },
  },
} as const

const servicesSchema = {
  type: 'object',
  required: ['runner', 'services'],
  properties: {
    runner: { type: 'string' },
    services: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'state', 'health', 'restarts', 'timeline', 'workers'],
        properties: {
          name: { type: 'string' },
          ...serviceHealthSchema.properties,
          restarts: { type: 'integer' },
          lastRestartReason: { type: 'string', description: 'how the life that led to the latest restart decision ended' },
          nextRestartAt: { type: 'integer', description: 'epoch ms the restart waiting out its backoff begins' },
          restartsGivenUp: { type: 'boolean', description: 'true once the restart policy gave up on the service' },
          timeline: { type: 'array', items: transitionSchema },
          workers: { type: 'array', items: workerSchema, description: 'the workers of the latest life (ctx.child()), in the order made' },
        },
      },
    },
  },
} as const

/** The `/services` answer: every service's state, health, restarts and timeline (the dashboard reads it too). */
export function readServices (runner: Runner) {
  const health = readHealth(runner)
  const services = runner.states().map((snapshot) => ({
    name: snapshot.name,
    ...health.services[snapshot.name],
    restarts: snapshot.restarts,
    // Only for a service with a restart policy.
    ...(snapshot.restart?.lastReason === undefined ? {} : { lastRestartReason: snapshot.restart.lastReason }),
    ...(snapshot.restart?.nextAttemptAt === undefined ? {} : { nextRestartAt: snapshot.restart.nextAttemptAt }),
    ...(snapshot.restart === undefined ? {} : { restartsGivenUp: snapshot.restart.isGivenUp }),
    timeline: snapshot.timeline.map(({ from, to, at, duration, error }) => ({
      ...(from === undefined ? {} : { from }),
      to,
      at,
      duration,
      // An open endpoint: a failure's message may quote a connection URL with its password.
      ...(error === undefined ? {} : { error: redactUrlCredentials(error.message) }),
    })),
    workers: snapshot.workers ?? [],
  }))
  return { runner: runner.status, services }
}

export async function servicesRoute (admin: FastifyInstance, { runner }: { runner: Runner }): Promise<void> {
  admin.get('/services', async (request, reply) => sendJson(reply, servicesSchema, readServices(runner)))
}
