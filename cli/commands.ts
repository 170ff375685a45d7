// The CLI's commands: each reads the admin server and returns what to print and the exit code.
import { createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { bodyStream, CliError, CliExit, readJson, request, type AdminTarget } from './admin-client.ts'
import { duration, table } from './format.ts'

export interface Outcome {
  readonly output: string
  readonly exitCode: number
}

export interface CommandInput {
  readonly target: AdminTarget
  readonly args: readonly string[]
  readonly json: boolean
  readonly seconds: number | undefined
  readonly output: string | undefined
  readonly revertAfter: string | undefined
}

interface ServiceRow {
  name: string
  state: string
  stateSince?: number
  health: string
  reason?: string
  restarts: number
  nextRestartAt?: number
  restartsGivenUp?: boolean
}

const json = (value: unknown): string => JSON.stringify(value, null, 2)

/** `fsr status`: one row per service: state, health, restarts, uptime. */
export async function status ({ target, json: asJson }: CommandInput): Promise<Outcome> {
  const answer = await readJson<{ runner: string, services: ServiceRow[] }>(await request(target, 'GET', '/services', [200]), 'status')
  if (asJson) return { output: json(answer), exitCode: CliExit.OK }
  const now = Date.now()
  const rows = answer.services.map((service) => [
    service.name,
    service.state,
    service.reason === undefined ? service.health : `${service.health} (${service.reason})`,
    restarts(service, now),
    // Time in the state it is in, for the states a service lives in.
    service.stateSince !== undefined && (service.state === 'running' || service.state === 'completed') ? duration(now - service.stateSince) : '-',
  ])
  return { output: `runner: ${answer.runner}\n${table(['SERVICE', 'STATE', 'HEALTH', 'RESTARTS', 'UPTIME'], rows)}`, exitCode: CliExit.OK }
}

function restarts (service: ServiceRow, now: number): string {
  if (service.restartsGivenUp === true) return `${service.restarts} (given up)`
  if (service.nextRestartAt !== undefined) return `${service.restarts} (next in ${duration(service.nextRestartAt - now)})`
  return String(service.restarts)
}

/** `fsr health`: exit 0 when the process is healthy or degraded, 1 otherwise (a probe script). */
export async function health ({ target, json: asJson }: CommandInput): Promise<Outcome> {
  const answer = await request(target, 'GET', '/health', [200, 503])
  const body = await readJson<{ status: string, unhealthy: string[], services: Record<string, { health: string, reason?: string }> }>(answer, 'health')
  const exitCode = answer.status === 200 ? CliExit.OK : CliExit.NEGATIVE
  if (asJson) return { output: json(body), exitCode }
  const failing = Object.entries(body.services)
    .filter(([, entry]) => entry.health !== 'healthy')
    .map(([name, entry]) => `  ${name}: ${entry.health}${entry.reason === undefined ? '' : ` (${entry.reason})`}`)
  return { output: [body.status, ...failing].join('\n'), exitCode }
}

/** `fsr upgrade`: starts a zero-downtime upgrade and waits for its outcome. */
export async function upgrade ({ target, json: asJson }: CommandInput): Promise<Outcome> {
  const answer = await request(target, 'POST', '/upgrade', [202, 409])
  const body = await readJson<{ ok: boolean, pid?: number, reason?: string }>(answer, 'upgrade')
  const exitCode = body.ok ? CliExit.OK : CliExit.NEGATIVE
  if (asJson) return { output: json(body), exitCode }
  return { output: body.ok ? `upgraded: pid ${body.pid} took over the sockets; the old process drains and exits` : `upgrade not done: ${body.reason}`, exitCode }
}

/** `fsr log-level` lists the levels; `fsr log-level <level>` sets the runner's, `<service> <level>` a service's. */
export async function logLevel ({ target, args, json: asJson, revertAfter }: CommandInput): Promise<Outcome> {
  if (args.length === 0) {
    const body = await readJson<{ runner: string, services: Record<string, string> }>(await request(target, 'GET', '/log-level', [200]), 'log-level')
    if (asJson) return { output: json(body), exitCode: CliExit.OK }
    const rows = [['(runner)', body.runner], ...Object.entries(body.services)]
    return { output: table(['TARGET', 'LEVEL'], rows), exitCode: CliExit.OK }
  }
  if (args.length > 2) throw new CliError('log-level takes at most two arguments: [<service>] <level>', CliExit.USAGE)
  const [service, level] = args.length === 2 ? args : [undefined, args[0]]
  const path = `/log-level${service === undefined ? '' : `/${encodeURIComponent(service)}`}${revertAfter === undefined ? '' : `?revertAfter=${encodeURIComponent(revertAfter)}`}`
  const answer = await refusedInputIsUsage(request(target, 'PUT', path, [200, 400, 404], { level }))
  const body = await readJson<{ target: string, level: string, previous: string, revertAt?: number }>(answer, 'log-level')
  if (asJson) return { output: json(body), exitCode: CliExit.OK }
  const revert = body.revertAt === undefined ? '' : `, back to ${body.previous} at ${new Date(body.revertAt).toISOString()}`
  return { output: `${body.target}: ${body.previous} -> ${body.level}${revert}`, exitCode: CliExit.OK }
}

/** `fsr profile cpu|heap`: writes the pprof file the debug endpoint streams. */
export async function profile ({ target, args, json: asJson, seconds, output }: CommandInput): Promise<Outcome> {
  const [kind] = args
  if (args.length !== 1 || (kind !== 'cpu' && kind !== 'heap')) throw new CliError('profile takes one argument: cpu or heap', CliExit.USAGE)
  const file = output ?? `${kind}.pb.gz`
  const path = `/debug/pprof/${kind === 'cpu' ? 'profile' : 'heap'}${seconds === undefined ? '' : `?seconds=${seconds}`}`
  // The endpoint answers once the profile is taken (30 s by default for cpu): wait that long and more.
  const waiting = { ...target, timeout: target.timeout + (seconds ?? 30) * 1_000 }
  const answer = await refusedInputIsUsage(request(waiting, 'GET', path, [200, 400]))
  await pipeline(bodyStream(answer), createWriteStream(file))
  const { size } = await stat(file)
  if (asJson) return { output: json({ file, bytes: size }), exitCode: CliExit.OK }
  return { output: `wrote ${file} (${size} bytes): go tool pprof ${file}`, exitCode: CliExit.OK }
}

/** A 400 or 404 is the admin server refusing what the user typed: a usage error with its message. */
async function refusedInputIsUsage (pending: ReturnType<typeof request>): ReturnType<typeof request> {
  const answer = await pending
  if (answer.status !== 400 && answer.status !== 404) return answer
  const { code, message } = await readJson<{ code?: string, message?: string }>(answer, 'refused')
  throw new CliError(`refused by the admin server: ${code ?? answer.status}: ${message}`, CliExit.USAGE)
}
