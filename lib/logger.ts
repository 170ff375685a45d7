// Builds the runner's pino logger from the resolved log options (or takes the one given).
import { pino, type Logger } from 'pino'
import type { ResolvedRunnerOptions } from '../types/index.ts'

/** `mixin` adds fields to every line (the telemetry plugin's trace ids); a given `logger` is taken as it is. */
export function createLogger (options: ResolvedRunnerOptions, mixin?: () => object): Logger {
  if (options.logger !== undefined) return options.logger
  const { level, format } = options.log
  const mixins = mixin === undefined ? {} : { mixin }
  if (format === 'pretty') {
    return pino({ level, ...mixins, transport: { target: 'pino-pretty', options: { colorize: true } } })
  }
  return pino({ level, ...mixins })
}
