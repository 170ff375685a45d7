// GET /events: the dashboard's Server-Sent Events. A new client first gets a `snapshot` (every
// service, the health aggregate, the last minute of process samples), then each event as it
// happens. A client that reconnects with `Last-Event-ID` gets the events it missed instead, or a
// new snapshot when they are no longer kept.
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Runner } from '../../types/index.ts'
import { readHealth } from '../admin/read-health.ts'
import { readServices } from '../admin/services-route.ts'
import type { DashboardEvent, EventLog } from './event-log.ts'
import type { RunnerFollower } from './follow-runner.ts'
import type { ProcessSampler } from './process-sampler.ts'

/** A client this far behind (bytes not yet sent) is cut off: it reconnects and catches up. */
const MAX_BUFFERED = 1024 * 1024

export interface EventsRouteOptions {
  readonly runner: Runner
  readonly log: EventLog
  readonly sampler: ProcessSampler
  readonly follower: RunnerFollower
}

function frame ({ id, type, data }: DashboardEvent): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`
}

/** The snapshot a client starts from: numbered with the last event it already contains. */
export function snapshotEvent (runner: Runner, log: EventLog, sampler: ProcessSampler, follower: RunnerFollower): DashboardEvent {
  const { status, live, ready, unhealthy } = readHealth(runner)
  // The restart decisions still kept: each service's restart history.
  const data = { ...readServices(runner), health: { status, live, ready, unhealthy }, samples: sampler.recent, restartEvents: follower.restarts }
  return { id: log.lastId, type: 'snapshot', data }
}

export async function eventsRoute (admin: FastifyInstance, { runner, log, sampler, follower }: EventsRouteOptions): Promise<void> {
  const open = new Set<FastifyReply>()
  // The admin server closes last: end the streams first, or its close would wait on them.
  admin.addHook('preClose', async () => {
    for (const reply of open) reply.raw.end()
  })

  admin.get<{ Headers: { 'last-event-id'?: string } }>('/events', async (request, reply) => {
    // From the first client on, the log holds every event: a client that reconnects missed only those.
    follower.followAll()
    const lastSeen = Number(request.headers['last-event-id'])
    const missed = Number.isSafeInteger(lastSeen) && lastSeen >= 0 ? log.since(lastSeen) : undefined
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' })
    // Reconnect after a second; then the first events, written before any new one can come.
    res.write('retry: 1000\n\n')
    for (const event of missed ?? [snapshotEvent(runner, log, sampler, follower)]) res.write(frame(event))
    const send = (event: DashboardEvent): void => {
      res.write(frame(event))
      if (res.writableLength > MAX_BUFFERED) res.destroy()
    }
    const unlisten = log.listen(send)
    open.add(reply)
    sampler.start()
    res.once('close', () => {
      unlisten()
      open.delete(reply)
      if (log.listenerCount === 0) sampler.stop()
    })
  })
}
