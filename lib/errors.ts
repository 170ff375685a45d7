// Every error of the runner, created once with a stable code. A code is never renamed or reused;
// callers and tests match on `err.code`. docs/errors.md lists each one (a test keeps them in step).
import createError from '@fastify/error'

// None of these reach HTTP by themselves: no statusCode (0 tells @fastify/error to leave it unset).
const NO_HTTP = 0

/** What the watchers and the topic and health subscriptions still open at the end of a runner's stop are ended with. */
export const RUNNER_STOPPED = Object.freeze(new Error('the runner stopped'))

export const FSR_ERR_INVALID_OPTIONS = createError<[string]>(
  'FSR_ERR_INVALID_OPTIONS',
  'invalid runner options:\n%s',
  NO_HTTP, TypeError,
)

export const FSR_ERR_INVALID_SERVICE = createError<[string, string]>(
  'FSR_ERR_INVALID_SERVICE',
  'invalid service %s:\n%s',
  NO_HTTP, TypeError,
)

export const FSR_ERR_DUPLICATE_SERVICE = createError<[string]>(
  'FSR_ERR_DUPLICATE_SERVICE',
  'a service named "%s" is already registered; service names must be unique',
  NO_HTTP,
)

export const FSR_ERR_UNKNOWN_DEPENDENCY = createError<[string, string, string]>(
  'FSR_ERR_UNKNOWN_DEPENDENCY',
  'service "%s" depends on "%s", which is not registered before it (registered so far: %s); register dependencies first',
  NO_HTTP,
)

export const FSR_ERR_ALREADY_STARTED = createError<[string]>(
  'FSR_ERR_ALREADY_STARTED',
  'cannot %s: the runner has already been started',
  NO_HTTP,
)

export const FSR_ERR_SERVICE_START = createError<[string, string, string, { cause: unknown }]>(
  'FSR_ERR_SERVICE_START',
  'service "%s" failed to start in phase "%s": %s',
  NO_HTTP,
)

export const FSR_ERR_START_INTERRUPTED = createError<[{ cause: unknown }?]>(
  'FSR_ERR_START_INTERRUPTED',
  'start() did not complete: the runner was stopped during the boot',
  NO_HTTP,
)

export const FSR_ERR_SERVICE_STOP = createError<[string, string, { cause: unknown }]>(
  'FSR_ERR_SERVICE_STOP',
  'service "%s" failed to stop: %s',
  NO_HTTP,
)

export const FSR_ERR_SERVICE_RUN = createError<[string, string, { cause: unknown }]>(
  'FSR_ERR_SERVICE_RUN',
  'the run of service "%s" failed: %s',
  NO_HTTP,
)

export const FSR_ERR_TIMEOUT = createError<[string, string, number]>(
  'FSR_ERR_TIMEOUT',
  'service "%s" did not finish "%s" within %d ms',
  NO_HTTP,
)

export const FSR_ERR_NOT_READY = createError<[string, string]>(
  'FSR_ERR_NOT_READY',
  'service "%s" reported not ready (ready() resolved %s); ready() must resolve a truthy value',
  NO_HTTP,
)

export const FSR_ERR_NO_SERVICE_CONTEXT = createError(
  'FSR_ERR_NO_SERVICE_CONTEXT',
  'app.service was read outside of a service: read it in the body of a plugin registered through runner.register()',
  NO_HTTP,
)

/** The message of any thrown value, for error messages that name their cause. */
export function messageOf (cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}

export const FSR_ERR_SERVICE_OUTSIDE_RUNNER = createError<[string]>(
  'FSR_ERR_SERVICE_OUTSIDE_RUNNER',
  'service "%s" was registered on a bare Fastify instance: register services with runner.register()',
  NO_HTTP,
)

export const FSR_ERR_UNCLEAN_STOP = createError<[string]>(
  'FSR_ERR_UNCLEAN_STOP',
  'shutdown was not clean: %s',
  NO_HTTP,
)

export const FSR_ERR_SHUTDOWN_TIMEOUT = createError<[number, string]>(
  'FSR_ERR_SHUTDOWN_TIMEOUT',
  'shutdown did not finish within %d ms; still stopping: %s',
  NO_HTTP,
)

export const FSR_ERR_UNKNOWN_HOOK = createError<[string, string]>(
  'FSR_ERR_UNKNOWN_HOOK',
  'runner.addHook: no hook named "%s" (accepted: %s)',
  NO_HTTP, TypeError,
)

export const FSR_ERR_UNKNOWN_SERVICE = createError<[string, string, string]>(
  'FSR_ERR_UNKNOWN_SERVICE',
  '%s: no service named "%s" (known: %s)',
  NO_HTTP,
)

export const FSR_ERR_INVALID_HEALTH = createError<[string, string, string]>(
  'FSR_ERR_INVALID_HEALTH',
  '%s: got %s; expected %s',
  NO_HTTP, TypeError,
)

export const FSR_ERR_LISTEN = createError<[string, string, string, { cause: unknown }]>(
  'FSR_ERR_LISTEN',
  'the %s server could not listen on %s: %s',
  NO_HTTP,
)

export const FSR_ERR_INVALID_ARGUMENT = createError<[string, string, string]>(
  'FSR_ERR_INVALID_ARGUMENT',
  '%s: got %s; expected %s',
  NO_HTTP, TypeError,
)

export const FSR_ERR_INHERITED_SOCKET = createError<[number, string, string, { cause: unknown }?]>(
  'FSR_ERR_INHERITED_SOCKET',
  'inherited descriptor %d (%s) %s; LISTEN_FDS must count listening stream sockets (TCP or unix) passed from descriptor 3 on',
  NO_HTTP,
)

export const FSR_ERR_NOTIFY_SOCKET = createError<[string, string]>(
  'FSR_ERR_NOTIFY_SOCKET',
  'NOTIFY_SOCKET "%s" %s; accepted: an absolute path of at most 107 bytes; systemd notify is disabled',
  NO_HTTP,
)

export const FSR_ERR_PID_FILE = createError<[string, string, { cause: unknown }]>(
  'FSR_ERR_PID_FILE',
  'the PID file "%s" cannot be written: %s; pidFile (FSR_PID_FILE) must name a file, not a directory, in an existing directory this process may create files in',
  NO_HTTP,
)

export const FSR_ERR_PRESTART = createError<[string, number, string, string, { cause: unknown }]>(
  'FSR_ERR_PRESTART',
  'prestart stage "%s" failed (attempt %d of %s): %s; no service was started',
  NO_HTTP,
)

export const FSR_ERR_PRESTART_TIMEOUT = createError<[string, number]>(
  'FSR_ERR_PRESTART_TIMEOUT',
  'prestart stage "%s" did not finish within %d ms',
  NO_HTTP,
)

export const FSR_ERR_WATCH_TIMEOUT = createError<[string, number, string]>(
  'FSR_ERR_WATCH_TIMEOUT',
  'watch.until(): %s did not hold within %d ms (now: %s)',
  NO_HTTP,
)

export const FSR_ERR_WATCH_ABORTED = createError<[string, { cause: unknown }]>(
  'FSR_ERR_WATCH_ABORTED',
  'watch.until(): aborted while waiting for %s',
  NO_HTTP,
)

export const FSR_ERR_RESTARTS_EXHAUSTED = createError<[string, number, number, string]>(
  'FSR_ERR_RESTARTS_EXHAUSTED',
  'service "%s" was restarted %d times within %d ms, the most its restart.intensity allows; giving up (last end: %s)',
  NO_HTTP,
)

export const FSR_ERR_WORKER_NAME = createError<[string, string, string]>(
  'FSR_ERR_WORKER_NAME',
  'ctx.child() of "%s": got the worker name %s; expected %s',
  NO_HTTP, TypeError,
)

export const FSR_ERR_INVALID_TOPIC = createError<[string, string]>(
  'FSR_ERR_INVALID_TOPIC',
  '%s: %s',
  NO_HTTP, TypeError,
)

export const FSR_ERR_TOPIC_RESERVED = createError<[string, string]>(
  'FSR_ERR_TOPIC_RESERVED',
  'topic "%s": %s; names beginning with "fsr." belong to the runner, whose own topics (fsr.lifecycle, fsr.health, fsr.restart) may be subscribed to but not published on',
  NO_HTTP,
)

export const FSR_ERR_PINO_PRETTY_MISSING = createError<[{ cause: unknown }]>(
  'FSR_ERR_PINO_PRETTY_MISSING',
  'log.format (FSR_LOG_FORMAT) is "pretty", which needs the package pino-pretty, and it cannot be found: install it (npm install pino-pretty) or use the format json',
  NO_HTTP,
)

export const FSR_ERR_JOURNAL_UNAVAILABLE = createError<[string, string] | [string, string, { cause: unknown }]>(
  'FSR_ERR_JOURNAL_UNAVAILABLE',
  'log records cannot go to the journal at "%s": %s; they go to stdout as JSON lines instead',
  NO_HTTP,
)
