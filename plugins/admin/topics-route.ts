// /topics: every topic's figures (published, delivered, dropped, subscribers), as JSON.
import type { FastifyInstance } from 'fastify'
import type { Runner } from '../../types/index.ts'
import { sendJson } from './send-json.ts'

const count = { type: 'integer', minimum: 0 } as const

const topicsSchema = {
  type: 'object',
  required: ['topics'],
  properties: {
    topics: {
      type: 'array',
      description: 'the runner\'s own topics (fsr.*) first, then in order of creation',
      items: {
        type: 'object',
        required: ['name', 'published', 'delivered', 'dropped', 'subscribers'],
        properties: {
          name: { type: 'string' },
          published: { ...count, description: 'values published' },
          delivered: { ...count, description: 'values handed to a listener or yielded by an iterator, summed over the subscriptions' },
          dropped: { ...count, description: 'values dropped by full mailboxes, summed over the subscriptions' },
          subscribers: { ...count, description: 'subscriptions open now' },
        },
      },
    },
  },
} as const

export async function topicsRoute (admin: FastifyInstance, { runner }: { runner: Runner }): Promise<void> {
  admin.get('/topics', async (request, reply) => sendJson(reply, topicsSchema, { topics: runner.topics.figures() }))
}
