// Resolves the runner's `admin` option: explicit option, then FSR_ADMIN_* env, then default.
// Every problem is reported together (with the core's, when composed by the package's createRunner).
import { isIP } from 'node:net'
import type { AdminOptions, ResolvedAdminOptions, ResolvedRunnerOptions } from '../../types/index.ts'
import { BUILTIN_OPTION, isListenHost, Problems, readInteger, readObject, refuseUnknownKeys } from '../../lib/options.ts'

type Env = Readonly<Record<string, string | undefined>>

export const DEFAULT_ADMIN_PORT = 9090
export const DEFAULT_ADMIN_HOST = '127.0.0.1'
const MIN_TOKEN_LENGTH = 16
// What a client can send in "Authorization: Bearer <token>" and the guard can match: visible ASCII only.
const TOKEN_CHARACTERS = /^[\x21-\x7e]+$/
const ADMIN_KEYS = ['port', 'host', 'token', 'allowInsecure'] as const

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms; host names never count as loopback. */
export function isLoopback (host: string): boolean {
  const address = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (address === '::1' || address === '0:0:0:0:0:0:0:1') return true
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address
  return isIP(v4) === 4 && v4.startsWith('127.')
}

/**
 * Resolves and validates the admin options; `false` disables the admin server. `main` (the resolved
 * main server) lets it refuse a port the main server also uses.
 */
export function resolveAdminOptions (
  input: AdminOptions | false | undefined,
  env: Env = process.env,
  main?: ResolvedRunnerOptions['server'],
): Readonly<ResolvedAdminOptions> | false {
  if (input === false) return false
  const problems = new Problems()
  const given = readObject(problems, 'admin', input, BUILTIN_OPTION)
  refuseUnknownKeys(problems, 'admin', given, ADMIN_KEYS)

  const host = given.host ?? env.FSR_ADMIN_HOST ?? DEFAULT_ADMIN_HOST
  const hostSource = given.host !== undefined ? 'admin.host' : 'FSR_ADMIN_HOST'
  const isHostValid = isListenHost(host)
  if (!isHostValid) problems.add(hostSource, host, 'an explicit IP address or host name (no spaces around it) other than "localhost", for example 127.0.0.1 or ::1')

  const port = readInteger(problems, 'admin.port', given.port, 'FSR_ADMIN_PORT', env, DEFAULT_ADMIN_PORT, 65_535)
  if (main !== undefined && main !== false && port !== 0 && port === main.port) {
    problems.add(given.port !== undefined ? 'admin.port' : 'FSR_ADMIN_PORT', port, `a port other than the main server's (server.port is ${main.port})`)
  }

  const token = given.token ?? env.FSR_ADMIN_TOKEN
  const tokenSource = given.token !== undefined ? 'admin.token' : 'FSR_ADMIN_TOKEN'
  const accepted = `a string of at least ${MIN_TOKEN_LENGTH} characters, visible ASCII only (no spaces or other whitespace)`
  // Never echo a secret back into an error message or a log.
  if (token !== undefined && (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH)) {
    problems.add(tokenSource, typeof token === 'string' ? '(a string that is too short)' : token, accepted)
  } else if (token !== undefined && !TOKEN_CHARACTERS.test(token)) {
    // A bearer token with whitespace or other characters could never match: every protected endpoint would stay locked.
    problems.add(tokenSource, '(a string with whitespace or characters other than visible ASCII)', accepted)
  }

  const allowInsecure = given.allowInsecure ?? false
  if (typeof allowInsecure !== 'boolean') problems.add('admin.allowInsecure', allowInsecure, 'true or false')

  const isOnLoopback = isHostValid && isLoopback(host)
  if (isHostValid && !isOnLoopback && token === undefined && allowInsecure !== true) {
    problems.add(hostSource, host, 'a loopback address (127.0.0.1, ::1) unless a token is set (admin.token or FSR_ADMIN_TOKEN); set admin.allowInsecure: true to serve the protected endpoints without one')
  }

  problems.throwIfAny()
  return Object.freeze({
    port,
    host: host as string,
    token: token as string | undefined,
    allowInsecure: allowInsecure as boolean,
    isLoopback: isOnLoopback,
  })
}
