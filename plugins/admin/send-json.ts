// Answers with JSON through a response schema that Fastify compiles on the route's first answer
// (and keeps for the route), not at boot: compiling every admin route's schema slowed each start.
import type { FastifyReply } from 'fastify'

/** Sends `body` serialized by `schema`: only what the schema lists goes out, as with a route's response schema. */
export function sendJson (reply: FastifyReply, schema: Readonly<Record<string, unknown>>, body: object): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(reply.serializeInput(body as Record<string, unknown>, schema))
}
