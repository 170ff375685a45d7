// The process exit codes of a runner that handles signals (docs: docs/errors.md, "Exit codes").
import { constants } from 'node:os'

export const ExitCode = Object.freeze({
  /** Every service stopped cleanly. */
  OK: 0,
  /** An uncaught exception or unhandled rejection; the graceful stop still ran. */
  CRASH: 1,
  /**
   * Shutdown completed, but something had to be cut: a service's `stop` threw or timed out, `run` did
   * not settle, or connections were destroyed at the drain deadline.
   */
  UNCLEAN_STOP: 2,
  /** The global shutdown deadline passed; the log names what was still open. */
  SHUTDOWN_TIMEOUT: 3,
  /** A service with `restart.escalate: 'exit'` ran out of restarts; the graceful stop still ran. */
  RESTARTS_EXHAUSTED: 4,
})

/** A second shutdown signal exits at once with the shell's convention: 128 + the signal's number. */
export function forcedExitCode (signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0)
}
