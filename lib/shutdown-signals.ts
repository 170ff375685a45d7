// Process-level shutdown: signals and uncaught errors lead to one graceful stop and an exit code.
// Built on close-with-grace, told to leave SIGHUP and SIGUSR2 alone (they mean upgrade, never stop).
import closeWithGrace from 'close-with-grace'
import { pino, type Logger } from 'pino'
import type { ShutdownSignal } from '../types/index.ts'
import { ExitCode, forcedExitCode } from './exit-codes.ts'

type GraceSignal = closeWithGrace.Signals

/** Longest wait for the log to drain before exiting anyway, ms. */
const FLUSH_LIMIT = 2_000

// Every signal close-with-grace would listen to; we keep only the ones we are given.
const GRACE_SIGNALS: readonly GraceSignal[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGUSR2', 'SIGTERM']

export interface ShutdownHandlers {
  /** Runs the same graceful stop as a signal, then exits (used after an upgrade handed over). */
  close (): void
  /** Removes every listener this installed. */
  uninstall (): void
}

/**
 * Installs the listeners; `stop` must resolve when shutdown was clean and otherwise reject
 * with an error whose `exitCode` says how the process should end. SIGHUP calls `onHangup`.
 */
export function installShutdownHandlers (signals: readonly ShutdownSignal[], log: Logger, stop: () => Promise<void>, onHangup: () => void): ShutdownHandlers {
  // Exits once every log line is written. pino's default destination writes asynchronously, and
  // a write still in flight when process.exit() runs is lost (its exit-time flushSync skips it):
  // wait for the destination to drain first. flush(cb) does not wait when nothing is buffered.
  const exitAfterFlush = (code: number): Promise<never> => new Promise(() => {
    const exit = (): never => process.exit(code)
    setTimeout(exit, FLUSH_LIMIT)
    const stream = (log as unknown as Record<symbol, { _writing?: boolean, once?: (event: string, fn: () => void) => void } | undefined>)[pino.symbols.streamSym]
    if (stream?._writing === true && typeof stream.once === 'function') stream.once('drain', exit)
    else exit()
  })
  // "At once": no waiting, so flush what can be flushed synchronously.
  const exitNow = (code: number): never => {
    try {
      (log as unknown as Record<symbol, { flushSync?: () => void }>)[pino.symbols.streamSym]?.flushSync?.()
    } catch {
      // The destination is busy or gone: its own exit handler does what it can.
    }
    process.exit(code)
  }
  const hangup = (): void => {
    log.info({ signal: 'SIGHUP' }, 'upgrade signal received')
    onHangup()
  }
  process.on('SIGHUP', hangup)

  const grace = closeWithGrace({
    delay: null,
    logger: false,
    skip: GRACE_SIGNALS.filter((signal) => !(signals as readonly string[]).includes(signal)),
    onSecondSignal (signal) {
      log.error({ signal }, 'second signal, exiting at once')
      exitNow(forcedExitCode(signal))
    },
    onSecondError (err) {
      log.fatal({ err }, 'uncaught error during shutdown, exiting at once')
      exitNow(ExitCode.CRASH)
    },
  }, async ({ signal, err }) => {
    if (err !== undefined) log.fatal({ err }, 'uncaught error, shutting down')
    else if (signal !== undefined) log.info({ signal }, 'shutdown signal received')
    else log.info('shutdown requested')
    let code: number = err === undefined ? ExitCode.OK : ExitCode.CRASH
    try {
      await stop()
    } catch (stopErr) {
      const { exitCode = ExitCode.UNCLEAN_STOP } = stopErr as { exitCode?: number }
      // A missed deadline says the most; a crash says more than an unclean stop.
      if (exitCode === ExitCode.SHUTDOWN_TIMEOUT || code === ExitCode.OK) code = exitCode
    }
    await exitAfterFlush(code)
  })

  return {
    close () {
      grace.close()
    },
    uninstall () {
      process.removeListener('SIGHUP', hangup)
      grace.uninstall()
    },
  }
}
