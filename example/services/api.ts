// The HTTP API: a plain Fastify plugin (index.ts registers it as the `api` service).
import type { FastifyInstance } from 'fastify'
import type { NewNote } from './notes.ts'

const noteSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    text: { type: 'string' },
    createdAt: { type: 'string' },
    expiresAt: { type: ['string', 'null'] },
  },
} as const

export async function api (app: FastifyInstance): Promise<void> {
  app.post<{ Body: NewNote }>('/notes', {
    schema: {
      body: {
        type: 'object',
        required: ['text'],
        additionalProperties: false,
        properties: {
          text: { type: 'string', minLength: 1, maxLength: 10_000 },
          ttlSeconds: { type: 'integer', minimum: 1, maximum: 31_536_000 },
        },
      },
      response: { 201: noteSchema },
    },
  }, async (request, reply) => {
    const note = await app.notes.create(request.body)
    return reply.code(201).header('location', `/notes/${note.id}`).send(note)
  })

  app.get<{ Querystring: { limit: number } }>('/notes', {
    schema: {
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1_000, default: 100 } } },
      response: { 200: { type: 'array', items: noteSchema } },
    },
  }, async (request) => await app.notes.list(request.query.limit))

  app.get<{ Params: { id: number } }>('/notes/:id', {
    schema: {
      params: { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } } },
      response: { 200: noteSchema },
    },
  }, async (request, reply) => {
    const note = await app.notes.get(request.params.id)
    if (note === undefined) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no note ${request.params.id}` })
    return note
  })
}
