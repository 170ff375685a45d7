// /health (aggregate and every service), /health/live (the process itself) and /health/ready
// with its alias /ready (the runner is started, not draining, no critical service unhealthy).
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Runner } from '../../types/index.ts'
import { healthSchema, liveSchema, readySchema } from './health-schemas.ts'
import { isServing, readHealth } from './read-health.ts'
import { sendJson } from './send-json.ts'

export async function healthRoutes (admin: FastifyInstance, { runner }: { runner: Runner }): Promise<void> {
  // Liveness never asks another system: only whether this event loop still turns, and how late.
  const loopDelay = monitorEventLoopDelay({ resolution: 20 })
  loopDelay.enable()
  admin.addHook('onClose', async () => loopDelay.disable())

  // GET and HEAD: load balancers may probe with either (the admin server adds no HEAD routes itself).
  const method = ['GET', 'HEAD']
  admin.route({
    method,
    url: '/health',
    handler: async (request, reply) => {
      const health = readHealth(runner)
      return sendJson(reply.code(isServing(health.status) ? 200 : 503), healthSchema, health)
    },
  })

  admin.route({
    method,
    url: '/health/live',
    handler: async (request, reply) => {
      const p99 = loopDelay.count === 0 ? 0 : loopDelay.percentile(99) / 1e6
      loopDelay.reset()
      return sendJson(reply, liveSchema, { live: true, uptime: process.uptime(), eventLoopDelay: Math.round(p99 * 1000) / 1000 })
    },
  })

  const ready = async (_request: unknown, reply: FastifyReply): Promise<FastifyReply> => {
    const { ready, runner: status, unhealthy } = readHealth(runner)
    return sendJson(reply.code(ready ? 200 : 503), readySchema, { ready, runner: status, unhealthy })
  }
  admin.route({ method, url: '/health/ready', handler: ready })
  admin.route({ method, url: '/ready', handler: ready })
}
