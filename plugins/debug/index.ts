// Profiling on the admin server: CPU and heap profiles in pprof format and V8 heap snapshots,
// one at a time, behind the admin token whenever one is set.
import { getHeapSnapshot } from 'node:v8'
import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import type { BuiltinPlugin } from '../../types/builtin-plugin.ts'
import { FSR_ERR_PROFILE_BUSY } from './errors.ts'
import { resolveDebugOptions, type ResolvedDebugOptions } from './options.ts'
import { takeCpuProfile, takeHeapProfile } from './take-profile.ts'

export interface DebugPluginOptions {
  readonly maxProfileSeconds: number
}

/** `?seconds=`, from 1 to the maximum: the admin server reads it into a number (or answers 400) before the handler. */
function secondsQuery (fallback: number, max: number) {
  return { seconds: { min: 1, max, default: Math.min(fallback, max) } }
}

export const debugRoutes = fp<DebugPluginOptions>(async (admin, { maxProfileSeconds }) => {
  // What is being taken right now, and when it ends; one at a time, whatever the kind.
  let busy: { what: string, until: number } | undefined
  const closing = new AbortController()
  admin.addHook('onClose', async () => closing.abort())

  function acquire (what: string, seconds: number, reply: FastifyReply): () => void {
    if (busy !== undefined) {
      reply.header('retry-after', String(Math.max(1, Math.ceil((busy.until - Date.now()) / 1000))))
      throw new FSR_ERR_PROFILE_BUSY(busy.what)
    }
    busy = { what, until: Date.now() + seconds * 1000 }
    return () => { busy = undefined }
  }

  /** Aborted when the admin server closes or the client goes away: the profile ends early. */
  function untilGone (reply: FastifyReply): AbortSignal {
    const gone = new AbortController()
    reply.raw.once('close', () => { if (!reply.raw.writableFinished) gone.abort() })
    return AbortSignal.any([closing.signal, gone.signal])
  }

  function sendPprof (reply: FastifyReply, name: string, body: Buffer): FastifyReply {
    return reply
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="${name}.pb.gz"`)
      .send(body)
  }

  const isProtected = true

  admin.get<{ Querystring: { seconds: number } }>('/debug/pprof/profile', { config: { isProtected, integerQuery: secondsQuery(30, maxProfileSeconds) } }, async (request, reply) => {
    const { seconds } = request.query
    const release = acquire('cpu profile', seconds, reply)
    try {
      request.log.info({ seconds }, 'cpu profile started')
      return sendPprof(reply, 'profile', await takeCpuProfile(seconds, untilGone(reply)))
    } finally {
      release()
    }
  })

  admin.get<{ Querystring: { seconds: number } }>('/debug/pprof/heap', { config: { isProtected, integerQuery: secondsQuery(10, maxProfileSeconds) } }, async (request, reply) => {
    const { seconds } = request.query
    const release = acquire('heap profile', seconds, reply)
    try {
      request.log.info({ seconds }, 'heap profile started')
      return sendPprof(reply, 'heap', await takeHeapProfile(seconds, untilGone(reply)))
    } finally {
      release()
    }
  })

  admin.get('/debug/heapsnapshot', { config: { isProtected } }, async (request, reply) => {
    const release = acquire('heap snapshot', 1, reply)
    try {
      request.log.info('heap snapshot started')
      const snapshot = getHeapSnapshot()
      snapshot.once('close', release)
      return reply
        .type('application/octet-stream')
        .header('content-disposition', `attachment; filename="${process.pid}-${Date.now()}.heapsnapshot"`)
        .send(snapshot)
    } catch (err) {
      release()
      throw err
    }
  })
}, { name: 'fsr-debug', fastify: '5.x', dependencies: ['fsr-admin'] })

/** The `debug` runner option, as the package's createRunner composes it (after `admin`). */
export const debugBuiltin: BuiltinPlugin<ResolvedDebugOptions> = {
  option: 'debug',
  resolve: (input, env) => resolveDebugOptions(input as never, env),
  install: (runner, options) => {
    if (options !== false) runner.admin?.register(debugRoutes, options)
  },
}
