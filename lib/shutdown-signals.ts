// Process-level shutdown: signals and uncaught errors lead to one graceful stop and an exit code.
// SIGHUP and SIGUSR2 are reserved for upgrades: never a stop. Only a second signal cuts the stop short.
import { pino, type Logger } from 'pino'
import type { ShutdownSignal } from '../types/index.ts'
import { ExitCode, forcedExitCode } from './exit-codes.ts'

/** Longest wait for the log to drain before exiting anyway, ms. */
const FLUSH_LIMIT = 2_000

/** Why the graceful stop began. */
type Cause = { readonly signal: NodeJS.Signals } | { readonly err: unknown } | { readonly request: string, readonly code?: number }

export interface ShutdownHandlers {
  /** True once a signal, an uncaught error or `close()` began the stop that ends the process. */
  readonly isExiting: boolean
  /** Runs the same graceful stop as a signal, then exits with `code` (after an upgrade handed over: 0). */
  close (code?: number, reason?: string): void
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
  // wait for the destination to drain first. No public API says a write is in flight: pino's
  // flush(cb) calls back at once when sonic-boom has minLength 0, so `_writing` is read (tested by
  // the shutdown process tests, which read every log line back).
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
  let isClosing = false

  async function shutDown (cause: Cause): Promise<void> {
    isClosing = true
    let code: number = ExitCode.OK
    if ('err' in cause) {
      log.fatal({ err: cause.err }, 'uncaught error, shutting down')
      code = ExitCode.CRASH
    } else if ('signal' in cause) log.info({ signal: cause.signal }, 'shutdown signal received')
    else {
      log.info({ reason: cause.request }, 'shutdown requested')
      code = cause.code ?? ExitCode.OK
    }
    try {
      await stop()
    } catch (stopErr) {
      const { exitCode = ExitCode.UNCLEAN_STOP } = stopErr as { exitCode?: number }
      // A missed deadline says the most; a crash says more than an unclean stop.
      if (exitCode === ExitCode.SHUTDOWN_TIMEOUT || code === ExitCode.OK) code = exitCode
    }
    await exitAfterFlush(code)
  }

  const onSignal = (signal: NodeJS.Signals): void => {
    if (!isClosing) {
      void shutDown({ signal })
      return
    }
    log.error({ signal }, 'second signal, exiting at once')
    exitNow(forcedExitCode(signal))
  }
  // More errors often follow the first (every idle client of a pool throws when its database
  // restarts): they are logged, and the graceful stop goes on.
  const onError = (err: unknown): void => {
    if (isClosing) log.error({ err }, 'uncaught error during shutdown')
    else void shutDown({ err })
  }
  const onHangupSignal = (): void => {
    log.info({ signal: 'SIGHUP' }, 'upgrade signal received')
    onHangup()
  }
  // Without a listener, SIGUSR2 would kill the process (its default action).
  const onReservedSignal = (signal: NodeJS.Signals): void => {
    log.warn({ signal }, 'reserved signal ignored')
  }
  // Nothing left to wait for: the services still get their stop.
  const onEmptyLoop = (): void => {
    if (!isClosing) void shutDown({ request: 'empty loop' })
  }

  const listeners: Array<[string, Parameters<typeof process.on>[1]]> = [
    ['SIGHUP', onHangupSignal],
    ['SIGUSR2', onReservedSignal],
    ...signals.map((signal): [string, typeof onSignal] => [signal, onSignal]),
    ['uncaughtException', onError],
    ['unhandledRejection', onError],
    ['beforeExit', onEmptyLoop],
  ]
  for (const [event, listener] of listeners) process.on(event, listener)

  return {
    get isExiting () {
      return isClosing
    },
    close (code = ExitCode.OK, reason = 'close') {
      if (!isClosing) void shutDown({ request: reason, code })
    },
    uninstall () {
      for (const [event, listener] of listeners) process.removeListener(event, listener)
    },
  }
}
