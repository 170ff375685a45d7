// POST /upgrade: what SIGHUP does, for operators without a shell on the host. A mutating route, so
// it needs the admin token whenever one is set. Answers once the new process took over (or not).
import type { FastifyInstance } from 'fastify'
import type { Runner } from '../../types/index.ts'
import { sendJson } from './send-json.ts'

const outcomeSchema = {
  type: 'object',
  required: ['ok'],
  properties: {
    ok: { type: 'boolean' },
    pid: { type: 'integer', description: 'the new process, when ok' },
    reason: { type: 'string', description: 'why the upgrade was refused or failed, when not ok' },
  },
} as const

export async function upgradeRoute (admin: FastifyInstance, { runner }: { runner: Runner }): Promise<void> {
  admin.post('/upgrade', async (request, reply) => {
    request.log.info('upgrade requested through the admin server')
    const outcome = await runner.upgrade()
    return sendJson(reply.code(outcome.ok ? 202 : 409), outcomeSchema, outcome)
  })
}
