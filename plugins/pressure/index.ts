// Pressure: the event loop and memory sampled as @fastify/under-pressure does; over a threshold the
// main server sheds load (503 + Retry-After) and the built-in `process` health entry reports what was measured.
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Runner, ServiceHealth } from '../../types/index.ts'
import type { BuiltinPlugin } from '../../types/builtin-plugin.ts'
import { FSR_ERR_PRESSURE_SERVER, FSR_ERR_UNDER_PRESSURE } from './errors.ts'
import { judgePressure, type PressureSample } from './judge-pressure.ts'
import { resolvePressureOptions, type ResolvedPressureOptions } from './options.ts'
import { PressureSampler } from './sampler.ts'

/** The name of the health entry that pressure reports to. */
export const PROCESS_HEALTH = 'process'
/** The reason of `process` while the app's own under-pressure says it is under pressure. */
export const APP_PRESSURE_REASON = 'over the thresholds of the app\'s @fastify/under-pressure'

type Thresholds = Exclude<ResolvedPressureOptions, false>
type RequestListener = (req: IncomingMessage, res: ServerResponse) => void

/**
 * The event-loop measures count from two samples after the main instance is ready: the first
 * sample after ready may still span the boot (a loop busy loading services, with no request waiting).
 */
class WarmUp {
  #warmAt = Infinity
  readonly #duration: number

  constructor (sampleInterval: number) {
    this.#duration = 2 * sampleInterval
  }

  begin (): void {
    this.#warmAt = performance.now() + this.#duration
  }

  get isWarmingUp (): boolean {
    return performance.now() < this.#warmAt
  }
}

/**
 * Sheds load on the main server's socket: while `isShedding()` says so, a request is answered 503
 * before Fastify routes it (no hook, no logging, no body parsing: under pressure a request must cost
 * as little as possible); otherwise it goes on to Fastify. Outside pressure a request costs one
 * call and one test. `inject()` does not go through the socket and is never shed.
 */
export function shedOnSocket (server: Server, isShedding: () => boolean, retryAfter: number): () => number {
  const [handle, ...others] = server.listeners('request') as RequestListener[]
  if (handle === undefined || others.length > 0) throw new FSR_ERR_PRESSURE_SERVER(others.length + (handle === undefined ? 0 : 1))
  const error = new FSR_ERR_UNDER_PRESSURE()
  const body = JSON.stringify({ statusCode: error.statusCode, code: error.code, error: STATUS_CODES[503], message: error.message })
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': String(retryAfter) }
  let shed = 0
  server.removeListener('request', handle)
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!isShedding()) return handle(req, res)
    shed++
    res.writeHead(503, headers).end(body)
  })
  return () => shed
}

/** What an app's own @fastify/under-pressure decorates the main app with (its types are not ours to load). */
interface UnderPressureDecorators {
  memoryUsage (): PressureSample
  isUnderPressure (): boolean
}

export interface PressurePluginOptions {
  readonly thresholds: Thresholds
  readonly health: ServiceHealth
  readonly warmUp: WarmUp
}

/**
 * Reports the sampler's last sample as the `process` health, once when the main instance is ready
 * (all measures read 0 until the first sample) and then at every `sampleInterval`, until the instance
 * closes; the main server sheds load while the entry is unhealthy. An app that registered
 * @fastify/under-pressure itself is followed instead: its measures, and unhealthy whenever it is under pressure.
 */
export const pressureReporter = fp<PressurePluginOptions>(async (app, { thresholds, health, warmUp }) => {
  const sampler = new PressureSampler()
  let isShedding = false
  const shedCount = shedOnSocket(app.server, () => isShedding, thresholds.retryAfter)
  let appOwn: UnderPressureDecorators | undefined
  let appOwnTimer: NodeJS.Timeout | undefined
  const report = (): void => {
    let { status, detail } = judgePressure(appOwn?.memoryUsage() ?? sampler.latest, thresholds, warmUp.isWarmingUp)
    // The socket sheds on our thresholds; over the app's, its own hook answers as it was configured to.
    isShedding = status === 'unhealthy'
    if (appOwn?.isUnderPressure() === true) {
      detail = { ...detail, reason: status === 'unhealthy' ? `${String(detail.reason)}; ${APP_PRESSURE_REASON}` : APP_PRESSURE_REASON }
      status = 'unhealthy'
    }
    health.report(status, { ...detail, shedRequests: shedCount() })
  }
  app.addHook('onReady', async () => {
    // The main app has these decorators only from an under-pressure of its own.
    if (app.hasDecorator('isUnderPressure') && app.hasDecorator('memoryUsage')) {
      appOwn = app as FastifyInstance & UnderPressureDecorators
      app.log.info('pressure follows the app\'s under-pressure')
    }
    warmUp.begin()
    report()
    // From ready to close, never what keeps the process alive; the app's own samples for itself.
    if (appOwn === undefined) sampler.start(thresholds.sampleInterval, report)
    else appOwnTimer = setInterval(report, thresholds.sampleInterval).unref()
  })
  app.addHook('onClose', async () => {
    sampler.stop()
    clearInterval(appOwnTimer)
    isShedding = false
  })
}, { name: 'fsr-pressure', fastify: '5.x' })

/** Adds the `process` health entry and load shedding to a runner with nothing registered yet. */
export function installPressure (runner: Runner, options: ResolvedPressureOptions): void {
  if (options === false) return
  const health = runner.addHealthSource(PROCESS_HEALTH)
  const warmUp = new WarmUp(options.sampleInterval)
  // The thresholds are judged once per sample, not per request (see docs/pressure.md).
  runner.app.register(pressureReporter, { thresholds: options, health, warmUp })
}
/** The `pressure` runner option, as the package's createRunner composes it. */
export const pressureBuiltin: BuiltinPlugin<ResolvedPressureOptions> = {
  option: 'pressure',
  resolve: (input, env) => resolvePressureOptions(input as never, env),
  install: (runner, options) => { installPressure(runner, options) },
}
