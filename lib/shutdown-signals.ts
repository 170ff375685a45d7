// Process-level shutdown: signals and uncaught errors lead to one graceful stop and an exit code.
// Built on close-with-grace, told to leave SIGHUP and SIGUSR2 alone (they mean upgrade, never stop).
import closeWithGrace from 'close-with-grace'
import type { Logger } from 'pino'
import type { ShutdownSignal } from '../types/index.ts'
import { ExitCode, forcedExitCode } from './exit-codes.ts'

type GraceSignal = closeWithGrace.Signals

// Every signal close-with-grace would listen to; we keep only the ones we are given.
const GRACE_SIGNALS: readonly GraceSignal[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGUSR2', 'SIGTERM']

export interface ShutdownHandlers {
  /** Removes every listener this installed. */
  uninstall (): void
}

/**
 * Installs the listeners; `stop` must resolve when shutdown was clean and otherwise reject
 * with an error whose `exitCode` says how the process should end.
 */
export function installShutdownHandlers (signals: readonly ShutdownSignal[], log: Logger, stop: () => Promise<void>): ShutdownHandlers {
  const exit = (code: number): never => {
    log.flush()
    process.exit(code)
  }
  const onHangup = (): void => {
    log.warn({ signal: 'SIGHUP' }, 'signal ignored: upgrade is not enabled')
  }
  process.on('SIGHUP', onHangup)

  const grace = closeWithGrace({
    delay: null,
    logger: false,
    skip: GRACE_SIGNALS.filter((signal) => !(signals as readonly string[]).includes(signal)),
    onSecondSignal (signal) {
      log.error({ signal }, 'second signal, exiting at once')
      exit(forcedExitCode(signal))
    },
    onSecondError (err) {
      log.fatal({ err }, 'uncaught error during shutdown, exiting at once')
      exit(ExitCode.CRASH)
    },
  }, async ({ signal, err }) => {
    if (err !== undefined) log.fatal({ err }, 'uncaught error, shutting down')
    else if (signal !== undefined) log.info({ signal }, 'shutdown signal received')
    let code: number = err === undefined ? ExitCode.OK : ExitCode.CRASH
    try {
      await stop()
    } catch (stopErr) {
      const { exitCode = ExitCode.UNCLEAN_STOP } = stopErr as { exitCode?: number }
      // A missed deadline says the most; a crash says more than an unclean stop.
      if (exitCode === ExitCode.SHUTDOWN_TIMEOUT || code === ExitCode.OK) code = exitCode
    }
    exit(code)
  })

  return {
    uninstall () {
      process.removeListener('SIGHUP', onHangup)
      grace.uninstall()
    },
  }
}
