// Resolves createRunner's options once: explicit option, then FSR_* env variable, then default.
// Every problem is collected and reported together in one FSR_ERR_INVALID_OPTIONS.
import { isIP } from 'node:net'
import { basename, extname } from 'node:path'
import type { PrestartStage, ResolvedLogOptions, ResolvedRunnerOptions, RunnerOptions, ServiceTimeouts } from '../types/index.ts'
import { FSR_ERR_INVALID_OPTIONS } from './errors.ts'
import { SERVICE_NAME, SERVICE_NAME_RULE } from './service-name.ts'
import { MAX_SOCKET_PATH_BYTES, socketPathProblem } from './unix-datagram.ts'

type Env = Readonly<Record<string, string | undefined>>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
const LOG_FORMATS = ['json', 'pretty'] as const
const LOG_DESTINATIONS = ['auto', 'stdout', 'journal'] as const
const JOURNAL_KEYS = ['socket', 'identifier'] as const
export const DEFAULT_JOURNAL_SOCKET = '/run/systemd/journal/socket'
const MAX_IDENTIFIER_LENGTH = 64
const TIMEOUT_PHASES = ['init', 'ready', 'stop'] as const
const RUNNER_KEYS = new Set(['server', 'log', 'logger', 'timeouts', 'fastify', 'signals', 'shutdown', 'upgrade', 'pidFile', 'health', 'prestart', 'prestartFailure'])
const SERVER_KEYS = ['port', 'host'] as const
const LOG_KEYS = ['level', 'format', 'destination', 'journal'] as const
// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens, 253 characters at most.
const HOST_NAME = /^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/
const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGQUIT'] as const
const SHUTDOWN_KEYS = ['drainDelay', 'drainTimeout', 'idleGrace', 'timeout'] as const
const PRESTART_STAGE_KEYS = ['name', 'run', 'timeout'] as const
const PRESTART_FAILURE_KEYS = ['retry', 'delay', 'maxAttempts'] as const
const FORBIDDEN_FASTIFY_KEYS = ['logger', 'loggerInstance', 'pluginTimeout']

export const DEFAULT_TIMEOUT = 10_000
export const DEFAULT_PORT = 3000
export const DEFAULT_HOST = '127.0.0.1'
/** How long an idle keep-alive socket may wait for its next request once the listener is closed, ms. */
export const DEFAULT_IDLE_GRACE = 1_000
export const DEFAULT_PRESTART_FAILURE = Object.freeze({ retry: false, delay: 1_000, maxAttempts: 3 })
export const DEFAULT_SIGNALS = Object.freeze(['SIGINT', 'SIGTERM'] as const)
const MAX_MS = 2 ** 31 - 1

/**
 * Collects problems while reading options; each reader records what was wrong and what is accepted,
 * so one call reports every problem of one options object.
 */
class Problems {
  readonly list: string[] = []

  add (where: string, got: unknown, accepted: string): undefined {
    this.list.push(`- ${where}: got ${describe(got)}; expected ${accepted}`)
    return undefined
  }

  throwIfAny (): void {
    if (this.list.length > 0) {
      const err = new FSR_ERR_INVALID_OPTIONS(this.list.join('\n'))
      throw Object.assign(err, { problems: [...this.list] })
    }
  }
}

export function describe (value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null || typeof value !== 'object') return String(value)
  return Array.isArray(value) ? 'an array' : 'an object'
}

/** Reads an integer option, or its env variable (a decimal string), or the default. */
export function readInteger (problems: Problems, where: string, value: unknown, envName: string | undefined, env: Env, fallback: number, max: number): number {
  const fromEnv = envName === undefined ? undefined : env[envName]
  const [source, raw] = value !== undefined ? [where, value] : fromEnv !== undefined ? [envName as string, fromEnv] : [where, fallback]
  const number = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw
  if (typeof number === 'number' && Number.isInteger(number) && number >= 0 && number <= max) return number
  problems.add(source, raw, `an integer from 0 to ${max}`)
  return fallback
}

function readChoice<T extends string> (problems: Problems, where: string, value: unknown, envName: string, env: Env, choices: readonly T[], fallback: T): T {
  const raw = value ?? env[envName] ?? fallback
  if ((choices as readonly unknown[]).includes(raw)) return raw as T
  problems.add(value !== undefined ? where : envName, raw, `one of ${choices.join(', ')}`)
  return fallback
}

/**
 * True for an address a server can listen on: an IP address (as net.isIP reads it) or a host name,
 * with nothing around it, and never "localhost" (Fastify binds it twice, to 127.0.0.1 and ::1).
 */
export function isListenHost (host: unknown): host is string {
  if (typeof host !== 'string' || host.toLowerCase().replace(/\.$/, '') === 'localhost') return false
  return isIP(host) !== 0 || HOST_NAME.test(host)
}

/** Records a problem for every key of `input` (the option at `where`) that is not in `keys`. */
export function refuseUnknownKeys (problems: Problems, where: string, input: Readonly<Record<string, unknown>>, keys: readonly string[]): void {
  for (const key of Object.keys(input)) {
    if (!keys.includes(key)) problems.add(`${where}.${key}`, input[key], `no such key (accepted: ${keys.join(', ')})`)
  }
}

export function readObject (problems: Problems, where: string, value: unknown, accepted = 'an object'): Record<string, unknown> {
  if (value === undefined) return {}
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  problems.add(where, value, accepted)
  return {}
}

/** What the option of a built-in plugin accepts. */
export const BUILTIN_OPTION = 'an object of its options ({} for the defaults), or false to turn it off'


/** Resolves the per-phase timeouts of the runner (`where` = 'timeouts') or of one service. */
export function readTimeouts (problems: Problems, where: string, value: unknown, env: Env, defaults: Required<ServiceTimeouts>, withEnv: boolean): Required<ServiceTimeouts> {
  const input = readObject(problems, where, value)
  for (const key of Object.keys(input)) {
    if (!(TIMEOUT_PHASES as readonly string[]).includes(key)) problems.add(`${where}.${key}`, input[key], `no such key (accepted: ${TIMEOUT_PHASES.join(', ')})`)
  }
  const resolved = {} as Record<(typeof TIMEOUT_PHASES)[number], number>
  for (const phase of TIMEOUT_PHASES) {
    const envName = withEnv ? `FSR_TIMEOUT_${phase.toUpperCase()}` : undefined
    resolved[phase] = readInteger(problems, `${where}.${phase}`, input[phase], envName, env, defaults[phase], MAX_MS)
  }
  return resolved
}

export { Problems }

/**
 * Reads one prestart stage at `where`; its name must not be in `taken` (the stages before it).
 * Undefined when it has a problem (recorded).
 */
export function readPrestartStage (problems: Problems, where: string, value: unknown, taken: ReadonlySet<string>): Readonly<Required<PrestartStage>> | undefined {
  const before = problems.list.length
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.add(where, value, 'a stage { name, run(ctx), timeout? }')
    return undefined
  }
  const stage = value as Record<string, unknown>
  refuseUnknownKeys(problems, where, stage, PRESTART_STAGE_KEYS)
  const { name, run } = stage
  if (typeof name !== 'string' || !SERVICE_NAME.test(name)) problems.add(`${where}.name`, name, SERVICE_NAME_RULE)
  else if (taken.has(name)) problems.add(`${where}.name`, name, 'a name no other prestart stage has')
  if (typeof run !== 'function') problems.add(`${where}.run`, run, 'a function (ctx) => value or promise')
  const timeout = readInteger(problems, `${where}.timeout`, stage.timeout, undefined, {}, DEFAULT_TIMEOUT, MAX_MS)
  if (problems.list.length > before) return undefined
  return Object.freeze({ name: name as string, run: run as PrestartStage['run'], timeout })
}

function readPrestart (problems: Problems, options: Readonly<Record<string, unknown>>, env: Env): Pick<ResolvedRunnerOptions, 'prestart' | 'prestartFailure'> {
  const stages: Array<Readonly<Required<PrestartStage>>> = []
  const given = options.prestart ?? []
  if (!Array.isArray(given)) problems.add('prestart', given, 'an array of stages { name, run(ctx), timeout? }')
  else {
    const names = new Set<string>()
    given.forEach((value: unknown, i) => {
      const stage = readPrestartStage(problems, `prestart[${i}]`, value, names)
      // A name is taken even when the rest of its stage is wrong: a second one is a problem too.
      const name = (value as { name?: unknown } | null)?.name
      if (typeof name === 'string') names.add(name)
      if (stage !== undefined) stages.push(stage)
    })
  }
  const failure = readObject(problems, 'prestartFailure', options.prestartFailure)
  refuseUnknownKeys(problems, 'prestartFailure', failure, PRESTART_FAILURE_KEYS)
  const retry = failure.retry ?? DEFAULT_PRESTART_FAILURE.retry
  if (typeof retry !== 'boolean') problems.add('prestartFailure.retry', retry, 'true or false')
  return {
    prestart: Object.freeze(stages),
    prestartFailure: Object.freeze({
      retry: retry === true,
      delay: readInteger(problems, 'prestartFailure.delay', failure.delay, undefined, env, DEFAULT_PRESTART_FAILURE.delay, MAX_MS),
      maxAttempts: readInteger(problems, 'prestartFailure.maxAttempts', failure.maxAttempts, undefined, env, DEFAULT_PRESTART_FAILURE.maxAttempts, MAX_MS),
    }),
  }
}

export const DEFAULT_HEALTH = Object.freeze({ interval: 30_000, timeout: 5_000 })
const HEALTH_KEYS = ['interval', 'timeout'] as const

/**
 * Resolves passive-check timing: of the runner (`withEnv`: FSR_HEALTH_INTERVAL and FSR_HEALTH_TIMEOUT,
 * then `defaults`) or of one service (only what it gives). The interval is at least 1 ms; timeout 0 = none.
 */
export function readHealthTimers (problems: Problems, where: string, input: Readonly<Record<string, unknown>>, env: Env, defaults: { readonly interval?: number, readonly timeout?: number }, withEnv: boolean): { interval?: number, timeout?: number } {
  const resolved: { interval?: number, timeout?: number } = {}
  for (const key of HEALTH_KEYS) {
    const envName = withEnv ? `FSR_HEALTH_${key.toUpperCase()}` : undefined
    const fallback = defaults[key]
    if (input[key] === undefined && (envName === undefined || env[envName] === undefined) && fallback === undefined) continue
    const value = readInteger(problems, `${where}.${key}`, input[key], envName, env, fallback ?? 0, MAX_MS)
    if (key === 'interval' && value === 0) {
      problems.add(input.interval !== undefined || envName === undefined ? `${where}.interval` : envName, 0, `an integer from 1 to ${MAX_MS}`)
    }
    resolved[key] = value
  }
  return resolved
}

/** The program's file name without its extension (`server` for `node dist/server.js`), the journal's default identifier. */
export function programName (argv: readonly string[] = process.argv): string {
  const file = argv[1]
  if (file === undefined || file === '') return 'node'
  return basename(file, extname(file)) || 'node'
}

function readJournal (problems: Problems, value: unknown, env: Env): ResolvedLogOptions['journal'] {
  const journal = readObject(problems, 'log.journal', value)
  refuseUnknownKeys(problems, 'log.journal', journal, JOURNAL_KEYS)
  const socket = journal.socket ?? DEFAULT_JOURNAL_SOCKET
  if (typeof socket !== 'string' || socketPathProblem(socket) !== undefined) {
    problems.add('log.journal.socket', socket, `an absolute path of at most ${MAX_SOCKET_PATH_BYTES} bytes`)
  }
  const identifier = journal.identifier ?? env.FSR_LOG_IDENTIFIER ?? programName()
  if (typeof identifier !== 'string' || identifier === '' || identifier.length > MAX_IDENTIFIER_LENGTH || /\p{Cc}/u.test(identifier)) {
    problems.add(journal.identifier !== undefined ? 'log.journal.identifier' : 'FSR_LOG_IDENTIFIER', identifier, `a name of 1 to ${MAX_IDENTIFIER_LENGTH} characters without control characters`)
  }
  return Object.freeze({ socket: String(socket), identifier: String(identifier) })
}

/**
 * Resolves and validates createRunner's options; throws FSR_ERR_INVALID_OPTIONS listing every problem.
 * `builtinKeys` are the options the built-in plugins resolve: named among the accepted ones.
 */
export function resolveRunnerOptions (input: RunnerOptions = {}, env: Env = process.env, builtinKeys: readonly string[] = []): ResolvedRunnerOptions {
  const problems = new Problems()
  const options = readObject(problems, 'options', input)
  for (const key of Object.keys(options)) {
    if (!RUNNER_KEYS.has(key)) problems.add(key, options[key], `no such option (accepted: ${[...RUNNER_KEYS, ...builtinKeys].join(', ')})`)
  }

  let server: ResolvedRunnerOptions['server'] = false
  if (options.server !== false) {
    const given = readObject(problems, 'server', options.server)
    refuseUnknownKeys(problems, 'server', given, SERVER_KEYS)
    const host = given.host ?? env.FSR_HOST ?? DEFAULT_HOST
    if (!isListenHost(host)) {
      problems.add(given.host !== undefined ? 'server.host' : 'FSR_HOST', host, 'an explicit IP address or host name (letters, digits, hyphens and dots, no spaces around it) other than "localhost" (which may bind twice), for example 127.0.0.1, ::1 or 0.0.0.0')
    }
    const port = readInteger(problems, 'server.port', given.port, 'FSR_PORT', env, DEFAULT_PORT, 65_535)
    server = Object.freeze({ host: String(host), port })
  }

  const log = readObject(problems, 'log', options.log)
  refuseUnknownKeys(problems, 'log', log, LOG_KEYS)
  const level = readChoice(problems, 'log.level', log.level, 'FSR_LOG_LEVEL', env, LOG_LEVELS, 'info')
  const format = readChoice(problems, 'log.format', log.format, 'FSR_LOG_FORMAT', env, LOG_FORMATS, 'json')
  const destination = readChoice(problems, 'log.destination', log.destination, 'FSR_LOG_DESTINATION', env, LOG_DESTINATIONS, 'auto')
  if (destination === 'journal' && format === 'pretty') {
    problems.add(log.destination !== undefined ? 'log.destination' : 'FSR_LOG_DESTINATION', destination, 'stdout or auto with log.format pretty (pretty lines are for a terminal; the journal takes json)')
  }
  const journal = readJournal(problems, log.journal, env)

  const logger = options.logger
  if (logger !== undefined && (logger === null || typeof (logger as { child?: unknown }).child !== 'function')) {
    problems.add('logger', logger, 'a pino logger')
  }

  const defaults = { init: DEFAULT_TIMEOUT, ready: DEFAULT_TIMEOUT, stop: DEFAULT_TIMEOUT }
  const timeouts = readTimeouts(problems, 'timeouts', options.timeouts, env, defaults, true)

  const fastify = readObject(problems, 'fastify', options.fastify)
  for (const key of FORBIDDEN_FASTIFY_KEYS) {
    if (key in fastify) problems.add(`fastify.${key}`, fastify[key], `no ${key} here: the runner sets it (use the log, logger or timeouts option)`)
  }
  // The drain knows HTTP/1.1 sockets (plain or TLS); an HTTP/2 server would be closed without one.
  if (fastify.http2 !== undefined && fastify.http2 !== false) problems.add('fastify.http2', fastify.http2, 'false or unset: the main server is HTTP/1.1 (plain, or HTTPS with fastify.https)')

  let signals: ResolvedRunnerOptions['signals'] = DEFAULT_SIGNALS
  if (options.signals === false) signals = false
  else if (options.signals !== undefined) {
    const given = options.signals
    if (!Array.isArray(given) || !given.every((signal) => (SHUTDOWN_SIGNALS as readonly unknown[]).includes(signal))) {
      problems.add('signals', given, `false or an array of ${SHUTDOWN_SIGNALS.join(', ')} (SIGHUP and SIGUSR2 are reserved for upgrade)`)
    } else signals = Object.freeze([...given])
  }

  const shutdownInput = readObject(problems, 'shutdown', options.shutdown)
  for (const key of Object.keys(shutdownInput)) {
    if (!(SHUTDOWN_KEYS as readonly string[]).includes(key)) problems.add(`shutdown.${key}`, shutdownInput[key], `no such key (accepted: ${SHUTDOWN_KEYS.join(', ')})`)
  }
  const shutdown = Object.freeze({
    drainDelay: readInteger(problems, 'shutdown.drainDelay', shutdownInput.drainDelay, 'FSR_DRAIN_DELAY', env, 0, MAX_MS),
    drainTimeout: readInteger(problems, 'shutdown.drainTimeout', shutdownInput.drainTimeout, 'FSR_DRAIN_TIMEOUT', env, 10_000, MAX_MS),
    idleGrace: readInteger(problems, 'shutdown.idleGrace', shutdownInput.idleGrace, 'FSR_IDLE_GRACE', env, DEFAULT_IDLE_GRACE, MAX_MS),
    timeout: readInteger(problems, 'shutdown.timeout', shutdownInput.timeout, 'FSR_SHUTDOWN_TIMEOUT', env, 30_000, MAX_MS),
  })

  let upgrade: ResolvedRunnerOptions['upgrade'] = false
  if (options.upgrade !== false) {
    const given = readObject(problems, 'upgrade', options.upgrade)
    for (const key of Object.keys(given)) {
      if (key !== 'timeout') problems.add(`upgrade.${key}`, given[key], 'no such key (accepted: timeout)')
    }
    upgrade = Object.freeze({ timeout: readInteger(problems, 'upgrade.timeout', given.timeout, 'FSR_UPGRADE_TIMEOUT', env, 60_000, MAX_MS) })
  }
  const pidFile = options.pidFile ?? env.FSR_PID_FILE
  if (pidFile !== undefined && (typeof pidFile !== 'string' || pidFile === '')) {
    problems.add(options.pidFile !== undefined ? 'pidFile' : 'FSR_PID_FILE', pidFile, 'a file path')
  }
  const healthInput = readObject(problems, 'health', options.health)
  for (const key of Object.keys(healthInput)) {
    if (!(HEALTH_KEYS as readonly string[]).includes(key)) problems.add(`health.${key}`, healthInput[key], `no such key (accepted: ${HEALTH_KEYS.join(', ')})`)
  }
  const health = readHealthTimers(problems, 'health', healthInput, env, DEFAULT_HEALTH, true) as Required<ResolvedRunnerOptions['health']>
  const { prestart, prestartFailure } = readPrestart(problems, options, env)

  problems.throwIfAny()
  return Object.freeze({
    server,
    log: Object.freeze({ level, format, destination, journal }),
    logger: logger as ResolvedRunnerOptions['logger'],
    timeouts: Object.freeze(timeouts),
    fastify: Object.freeze({ ...fastify }),
    signals,
    shutdown,
    upgrade,
    pidFile: pidFile as string | undefined,
    health: Object.freeze(health),
    prestart,
    prestartFailure,
  })
}
