// Builds the runner's pino logger from the resolved log options (or takes the one given).
import { pino, type Logger } from 'pino'
import type { ResolvedRunnerOptions } from '../types/index.ts'

export function createLogger (options: ResolvedRunnerOptions): Logger {
  if (options.logger !== undefined) return options.logger
  const { level, format } = options.log
  if (format === 'pretty') {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true } } })
  }
  return pino({ level })
}
