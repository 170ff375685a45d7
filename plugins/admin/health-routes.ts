// /health (aggregate and every service), /health/live (the process itself) and /health/ready
// with its alias /ready (the runner is started, not draining, no critical service unhealthy).
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { FastifyInstance } from 'fastify'
import type { Runner } from '../../types/index.ts'
import { errorSchema, healthSchema, liveSchema, readySchema } from './health-schemas.ts'
import { isServing, readHealth } from './read-health.ts'

export async function healthRoutes (admin: FastifyInstance, { runner }: { runner: Runner }): Promise<void> {
  // Liveness never asks another system: only whether this event loop still turns, and how late.
  const loopDelay = monitorEventLoopDelay({ resolution: 20 })
  loopDelay.enable()
  admin.addHook('onClose', async () => loopDelay.disable())

  admin.get('/health', {
    schema: { response: { 200: healthSchema, 503: healthSchema } },
  }, async (request, reply) => {
    const health = readHealth(runner)
    return reply.code(isServing(health.status) ? 200 : 503).send(health)
  })

  admin.get('/health/live', { schema: { response: { 200: liveSchema } } }, async () => {
    const p99 = loopDelay.count === 0 ? 0 : loopDelay.percentile(99) / 1e6
    loopDelay.reset()
    return { live: true, uptime: process.uptime(), eventLoopDelay: Math.round(p99 * 1000) / 1000 }
  })

  const ready = async (_request: unknown, reply: import('fastify').FastifyReply): Promise<unknown> => {
    const { ready, runner: status, unhealthy } = readHealth(runner)
    return reply.code(ready ? 200 : 503).send({ ready, runner: status, unhealthy })
  }
  const readyOptions = { schema: { response: { 200: readySchema, 503: readySchema, '4xx': errorSchema } } }
  admin.get('/health/ready', readyOptions, ready)
  admin.get('/ready', readyOptions, ready)
}
