// Where a service's lines go. A service makes its child logger on first use (one per service adds
// up, and most never write at the levels enabled), so code that may log asks first.
import type { Level, Logger } from 'pino'

export interface ServiceLog {
  /** The logger to write to; reading it may make it. */
  readonly log: Logger
  /** Whether a line at `level` would be written, without making the logger. */
  isLevelEnabled (level: Level): boolean
}

/** A ServiceLog over a logger that already exists. */
export function serviceLogOf (log: Logger): ServiceLog {
  return { log, isLevelEnabled: (level) => log.isLevelEnabled(level) }
}
