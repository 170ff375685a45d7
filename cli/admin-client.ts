// The CLI's HTTP client for the admin server: one request, its answer as JSON or bytes, and every
// failure turned into a CliError that names what went wrong and the exit code it ends with.
import { Readable } from 'node:stream'
import type { ReadableStream } from 'node:stream/web'

/** Exit codes of `fsr` (docs/cli.md). */
export const CliExit = Object.freeze({
  OK: 0,
  /** The command ran, and its answer is "no": not healthy, upgrade refused or failed. */
  NEGATIVE: 1,
  USAGE: 2,
  UNREACHABLE: 3,
  UNAUTHORIZED: 4,
  /** The admin server answered something the command cannot use (another error status, no JSON). */
  BAD_ANSWER: 5,
})

export class CliError extends Error {
  readonly exitCode: number
  constructor (message: string, exitCode: number) {
    super(message)
    this.exitCode = exitCode
  }
}

export interface AdminTarget {
  /** The admin server's base URL, e.g. http://127.0.0.1:9090. */
  readonly url: string
  readonly token: string | undefined
  /** Longest wait for one answer, ms. */
  readonly timeout: number
}

export interface AdminAnswer {
  readonly status: number
  readonly body: Response
}

/** Sends one request; `expected` lists the statuses the command reads (others are a CliError). */
export async function request (target: AdminTarget, method: string, path: string, expected: readonly number[], body?: unknown, extraHeaders: Record<string, string> = {}): Promise<AdminAnswer> {
  const headers: Record<string, string> = { ...extraHeaders }
  if (target.token !== undefined) headers.authorization = `Bearer ${target.token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const url = new URL(path, target.url)
  let response: Response
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(target.timeout) })
  } catch (err) {
    throw unreachable(target, err)
  }
  if (response.status === 401) {
    await response.body?.cancel()
    const why = target.token === undefined ? 'it needs a token: pass --token or set FSR_ADMIN_TOKEN' : 'the token was refused'
    throw new CliError(`${method} ${url.pathname}: 401 from the admin server at ${target.url}: ${why}`, CliExit.UNAUTHORIZED)
  }
  if (!expected.includes(response.status)) {
    const text = await response.text().catch(() => '')
    const message = readMessage(text)
    throw new CliError(`${method} ${url.pathname}: unexpected ${response.status} from the admin server at ${target.url}${message === '' ? '' : `: ${message}`}`, CliExit.BAD_ANSWER)
  }
  return { status: response.status, body: response }
}

/** Reads an answer's JSON body; a body that is not JSON is a CliError. */
export async function readJson<T> (answer: AdminAnswer, what: string): Promise<T> {
  const text = await answer.body.text()
  try {
    return JSON.parse(text) as T
  } catch {
    throw new CliError(`${what}: the admin server's answer is not JSON: ${text.slice(0, 200)}`, CliExit.BAD_ANSWER)
  }
}

/** The answer's body as a Node stream, for files written as they arrive. */
export function bodyStream (answer: AdminAnswer): Readable {
  if (answer.body.body === null) return Readable.from([])
  return Readable.fromWeb(answer.body.body as ReadableStream<Uint8Array>)
}

function unreachable (target: AdminTarget, err: unknown): CliError {
  const { name, cause } = err as { name?: string, cause?: { code?: string, message?: string } }
  const why = name === 'TimeoutError' ? `no answer within ${target.timeout} ms` : (cause?.code ?? cause?.message ?? String(err))
  return new CliError(`cannot reach the admin server at ${target.url} (${why}): is the program running? Pass --url or set FSR_ADMIN_URL`, CliExit.UNREACHABLE)
}

/** The message of an admin error body (`{ code, message }`), or the text itself. */
function readMessage (text: string): string {
  try {
    const { code, message } = JSON.parse(text) as { code?: string, message?: string }
    return [code, message].filter(Boolean).join(': ')
  } catch {
    return text.slice(0, 200)
  }
}
