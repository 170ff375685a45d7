// Pressure: @fastify/under-pressure sheds load on the main server (503 + Retry-After) once the event
// loop or memory passes a threshold, and the built-in `process` health entry reports what it measured.
import underPressure from '@fastify/under-pressure'
import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import type { Runner, ServiceHealth } from '../../types/index.ts'
import type { BuiltinPlugin } from '../../lib/compose-runner.ts'
import { FSR_ERR_UNDER_PRESSURE } from './errors.ts'
import { judgePressure } from './judge-pressure.ts'
import { resolvePressureOptions, type ResolvedPressureOptions } from './options.ts'

/** The name of the health entry that pressure reports to. */
export const PROCESS_HEALTH = 'process'

type Thresholds = Exclude<ResolvedPressureOptions, false>

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

export interface PressurePluginOptions {
  readonly thresholds: Thresholds
  readonly health: ServiceHealth
  readonly warmUp: WarmUp
}

/**
 * Reports under-pressure's last sample as the `process` health, once when the main instance is ready
 * (all measures read 0 until the first sample, which is also what load shedding sees) and then at
 * every `sampleInterval`, until the instance closes.
 */
export const pressureReporter = fp<PressurePluginOptions>(async (app, { thresholds, health, warmUp }) => {
  let timer: NodeJS.Timeout | undefined
  const report = (): void => {
    const { status, detail } = judgePressure(app.memoryUsage(), thresholds, warmUp.isWarmingUp)
    health.report(status, detail)
  }
  app.addHook('onReady', async () => {
    warmUp.begin()
    report()
    // Like the server it guards, the monitor runs from ready to close (and keeps the process alive meanwhile).
    timer = setInterval(report, thresholds.sampleInterval)
  })
  app.addHook('onClose', async () => clearInterval(timer))
}, { name: 'fsr-pressure', fastify: '5.x', dependencies: ['@fastify/under-pressure'] })

/** Adds the `process` health entry and load shedding to a runner with nothing registered yet. */
export function installPressure (runner: Runner, options: ResolvedPressureOptions): void {
  if (options === false) return
  const health = runner.addHealthSource(PROCESS_HEALTH)
  const warmUp = new WarmUp(options.sampleInterval)
  const { app } = runner
  const { maxEventLoopDelay, maxHeapUsedBytes, maxRssBytes, maxEventLoopUtilization, retryAfter, sampleInterval } = options
  // Registered on the root instance before any service, so its onRequest hook guards every route.
  app.register(underPressure, {
    maxEventLoopDelay,
    maxHeapUsedBytes,
    maxRssBytes,
    maxEventLoopUtilization,
    // Utilization over the last sample, not since start: pressure is about now.
    eventLoopUtilizationMode: 'interval',
    retryAfter,
    sampleInterval,
    // under-pressure found a threshold passed; the same judgement as the `process` health decides.
    pressureHandler (_request: unknown, reply: FastifyReply): Promise<void> | undefined {
      if (judgePressure(app.memoryUsage(), options, warmUp.isWarmingUp).status !== 'unhealthy') return undefined
      reply.header('Retry-After', retryAfter)
      return Promise.reject(new FSR_ERR_UNDER_PRESSURE())
    },
  })
  app.register(pressureReporter, { thresholds: options, health, warmUp })
}

/** The `pressure` runner option, as the package's createRunner composes it. */
export const pressureBuiltin: BuiltinPlugin<ResolvedPressureOptions> = {
  option: 'pressure',
  resolve: (input, env) => resolvePressureOptions(input as never, env),
  install: (runner, options) => { installPressure(runner, options) },
}
