// Profiling on the admin server: CPU and heap profiles in pprof format and V8 heap snapshots,
// one at a time, behind the admin token whenever one is set.
import { getHeapSnapshot } from 'node:v8'
import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import type { BuiltinPlugin } from '../../types/builtin-plugin.ts'
import { FSR_ERR_PROFILE_BUSY } from './errors.ts'
import { resolveDebugOptions, type ResolvedDebugOptions } from './options.ts'
import { holdHeapSampler, type HeapSampler } from './heap-sampler.ts'
import { readHeapProfile, takeCpuProfile, takeHeapProfile } from './take-profile.ts'

/** Why a profile under way ends early at close; one error made once (abort() without a reason builds a DOMException and its stack at every stop). */
const CLOSING = Object.freeze(new Error('the admin server is closing'))

export interface DebugPluginOptions {
  readonly maxProfileSeconds: number
  readonly heapSinceStart: boolean
  readonly heapSamplingInterval: number
}

/** `?seconds=`, from 1 to the maximum: the admin server reads it into a number (or answers 400) before the handler; without `fallback`, it may be left out. */
function secondsQuery (fallback: number | undefined, max: number) {
  return { seconds: { min: 1, max, ...(fallback === undefined ? {} : { default: Math.min(fallback, max) }) } }
}

export const debugRoutes = fp<DebugPluginOptions>(async (admin, { maxProfileSeconds, heapSinceStart, heapSamplingInterval }) => {
  // What is being taken right now, and when it ends; one at a time, whatever the kind.
  let busy: { what: string, until: number } | undefined
  const closing = new AbortController()
  // From here to the admin server's close, the heap is sampled: a heap profile covers what is in use since start.
  const sinceStart: HeapSampler | undefined = heapSinceStart ? await holdHeapSampler(heapSamplingInterval) : undefined
  admin.addHook('onClose', async () => {
    closing.abort(CLOSING)
    await sinceStart?.release()
  })

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

  admin.get<{ Querystring: { seconds?: number } }>('/debug/pprof/heap', { config: { isProtected, integerQuery: secondsQuery(sinceStart === undefined ? 10 : undefined, maxProfileSeconds) } }, async (request, reply) => {
    const { seconds } = request.query
    // Without a window: what the sampler has seen since start, read at once (nothing to wait for, no turn to take).
    if (seconds === undefined && sinceStart !== undefined) {
      request.log.info('heap profile read')
      return sendPprof(reply, 'heap', await readHeapProfile(sinceStart))
    }
    const window = seconds ?? 10
    const release = acquire('heap profile', window, reply)
    try {
      request.log.info({ seconds: window }, 'heap profile started')
      return sendPprof(reply, 'heap', await takeHeapProfile(window, heapSamplingInterval, untilGone(reply)))
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
