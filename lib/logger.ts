// Builds the runner's pino logger from the resolved log options (or takes the one given): JSON
// lines on stdout, pretty lines through pino-pretty, or records in systemd's journal.
import { createRequire } from 'node:module'
import { pino, type Logger } from 'pino'
import type { ResolvedRunnerOptions } from '../types/index.ts'
import { FSR_ERR_PINO_PRETTY_MISSING } from './errors.ts'
import { isJournalStream, openJournalDestination } from './journal-destination.ts'

type Env = Readonly<Record<string, string | undefined>>

/** pino-pretty's entry file, resolved as pino would from here; a missing package is our error, not pino's. */
function prettyTarget (): string {
  try {
    return createRequire(import.meta.url).resolve('pino-pretty')
  } catch (err) {
    throw new FSR_ERR_PINO_PRETTY_MISSING({ cause: err })
  }
}

/** `mixin` adds fields to every line (the telemetry plugin's trace ids); a given `logger` is taken as it is. */
export function createLogger (options: ResolvedRunnerOptions, mixin?: () => object, env: Env = process.env): Logger {
  if (options.logger !== undefined) return options.logger
  const { level, format, destination, journal } = options.log
  const mixins = mixin === undefined ? {} : { mixin }
  if (format === 'pretty') {
    return pino({ level, ...mixins, transport: { target: prettyTarget(), options: { colorize: true } } })
  }
  if (destination === 'stdout' || (destination === 'auto' && !isJournalStream(env))) return pino({ level, ...mixins })
  const stream = openJournalDestination(journal)
  if (stream instanceof Error) {
    const log = pino({ level, ...mixins })
    log.warn({ err: stream, socket: journal.socket }, 'journal unavailable, logging to stdout')
    return log
  }
  const log = pino({ level, ...mixins }, stream)
  stream.report = (at, fields, message) => log[at](fields, message)
  return log
}
