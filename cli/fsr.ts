#!/usr/bin/env node
// fsr: the command-line client of a runner's admin server (docs/cli.md).
import { parseArgs } from 'node:util'
import { CliError, CliExit } from './admin-client.ts'
import { health, logLevel, profile, status, upgrade, type CommandInput, type Outcome } from './commands.ts'
import { watch } from './watch.ts'

const USAGE = `usage: fsr <command> [options]

commands:
  status                         services: state, health, restarts, uptime
  health                         exit 0 when healthy (or degraded), 1 otherwise
  watch                          lifecycle, health and restart events as they happen
  upgrade                        zero-downtime upgrade; waits for the outcome
  log-level [[<service>] <level>] [--revert-after 5m]
                                 list the log levels, or set the runner's or a service's
  profile cpu|heap [--seconds N] [-o file]
                                 write a pprof profile (cpu.pb.gz / heap.pb.gz)

options:
  --url <url>       admin server (FSR_ADMIN_URL; default http://127.0.0.1:9090)
  --token <token>   admin token (FSR_ADMIN_TOKEN)
  --json            print the admin server's JSON (read commands)
  --timeout <ms>    longest wait for an answer (default 10000)
  -h, --help        this help`

const COMMANDS: Record<string, (input: CommandInput) => Promise<Outcome>> = {
  status,
  health,
  watch,
  upgrade,
  'log-level': logLevel,
  profile,
}

function positiveInteger (flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^[1-9]\d*$/.test(value)) throw new CliError(`--${flag} must be a positive integer, got ${JSON.stringify(value)}`, CliExit.USAGE)
  return Number(value)
}

async function main (argv: string[]): Promise<Outcome> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        json: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        seconds: { type: 'string' },
        output: { type: 'string', short: 'o' },
        'revert-after': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`, CliExit.USAGE)
  }
  const { values, positionals: [name, ...args] } = parsed
  if (values.help) return { output: USAGE, exitCode: CliExit.OK }
  const command = name === undefined ? undefined : COMMANDS[name]
  if (command === undefined) throw new CliError(`${name === undefined ? 'no command given' : `unknown command ${JSON.stringify(name)}`}\n\n${USAGE}`, CliExit.USAGE)
  const url = values.url ?? process.env.FSR_ADMIN_URL ?? 'http://127.0.0.1:9090'
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new CliError(`--url must be an http(s) URL, got ${JSON.stringify(url)}`, CliExit.USAGE)
  const token = values.token ?? process.env.FSR_ADMIN_TOKEN
  return command({
    target: { url, token: token === '' ? undefined : token, timeout: positiveInteger('timeout', values.timeout) ?? 10_000 },
    args,
    json: values.json,
    seconds: positiveInteger('seconds', values.seconds),
    output: values.output,
    revertAfter: values['revert-after'],
  })
}

try {
  const { output, exitCode } = await main(process.argv.slice(2))
  if (output !== '') process.stdout.write(`${output}\n`)
  process.exitCode = exitCode
} catch (err) {
  if (!(err instanceof CliError)) throw err
  process.stderr.write(`fsr: ${err.message}\n`)
  process.exitCode = err.exitCode
}
