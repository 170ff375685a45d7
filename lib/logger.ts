// Builds the runner's pino logger from the resolved log options (or takes the one given).
import { createRequire } from 'node:module'
import { pino, type Logger } from 'pino'
import type { ResolvedRunnerOptions } from '../types/index.ts'
import { FSR_ERR_PINO_PRETTY_MISSING } from './errors.ts'

/** pino-pretty's entry file, resolved as pino would from here; a missing package is our error, not pino's. */
function prettyTarget (): string {
  try {
    return createRequire(import.meta.url).resolve('pino-pretty')
  } catch (err) {
    throw new FSR_ERR_PINO_PRETTY_MISSING({ cause: err })
  }
}

export function createLogger (options: ResolvedRunnerOptions): Logger {
  if (options.logger !== undefined) return options.logger
  const { level, format } = options.log
  if (format === 'pretty') {
    return pino({ level, transport: { target: prettyTarget(), options: { colorize: true } } })
  }
  return pino({ level })
}
