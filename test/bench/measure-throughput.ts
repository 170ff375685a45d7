// Request throughput of real server processes, measured alike. In every round each subject runs in
// a fresh process of its own; the load goes to one at a time over loopback, in short runs, rotating
// who goes first. A subject's ratio to its baseline is the median of the ratios within each round:
// this machine's speed drifts by more than the costs being measured from one second to the next,
// and runs taken a second apart share most of the drift.
//
// The load comes from wrk (Debian's `wrk` package) when it is installed: written in C, it leaves the
// server all of a core, where autocannon (the fallback) needs about as much CPU as the server it
// loads. Where `taskset` exists, the servers run on CPU 0 and the load on CPU 1.
import autocannon from 'autocannon'
import { spawn, spawnSync } from 'node:child_process'
import { get } from 'node:http'
import { availableParallelism } from 'node:os'
import type { Row } from './benchmark.ts'
import { median, pairedRatio } from './measure.ts'
import { isListening, killIfAlive, spawnProgram, type Program } from './spawn-program.ts'

/** A server program, its environment (see fixtures/) and options for node. */
export interface ServerSubject {
  readonly file: string
  readonly env?: Readonly<Record<string, string>>
  readonly nodeFlags?: readonly string[]
  /** Clients that stay connected to the admin server's `/events` (from this process) while it is loaded. */
  readonly eventClients?: number
}

/** Opens `count` event streams on the admin port and reads them; returns what closes them. */
function openEventClients (adminPort: number, count: number): () => void {
  const requests = Array.from({ length: count }, () => get(`http://127.0.0.1:${adminPort}/events`, (response) => response.resume()))
  for (const request of requests) request.on('error', () => {})
  return () => { for (const request of requests) request.destroy() }
}

/**
 * The young generation at 16 MB from the start (V8's default upper bound on 64-bit). In Node 20
 * and 24, a full GC that runs after the tick queue's first hundred or so uses, but before V8 has
 * optimized it, leaves process.nextTick several times slower for the rest of the process. A
 * program that imports a few libraries and boots a few plugins tends to have such a collection
 * while it boots (bare Fastify too, when it imports one more package and boots a second instance
 * first) and then serves about 20 % below a bare Fastify hello-world. With this flag our servers
 * boot without it. Both sides of a comparison run with the same flags; see docs/benchmarks.md.
 */
export const PINNED_YOUNG_GENERATION: readonly string[] = Object.freeze(['--min-semi-space-size=16'])

export interface ThroughputOptions {
  /** GET path every request asks for. */
  readonly path: string
  /** Keep-alive connections of the load. */
  readonly connections: number
  /** Untimed load on each fresh process first, seconds (JIT, pools, first samples of monitors). */
  readonly warmupSeconds: number
  /** Rounds: fresh processes of every subject, each loaded once. */
  readonly rounds: number
  /** Length of one timed run, seconds. */
  readonly seconds: number
}

/** The load of the throughput rows: a small JSON route, where the server's own costs show most. */
export const HELLO_LOAD: ThroughputOptions = Object.freeze({ path: '/hello', connections: 10, warmupSeconds: 1, rounds: 14, seconds: 1 })

const BASELINE_LOG_LEVEL = 'silent'

/**
 * The baseline of the judged throughput rows: fastify-server.ts with Fastify's pino logger at level
 * silent, the level the runner programs run at. A runner always has a logger, and with one Fastify
 * does per-request work it skips entirely without (a child logger or the factory's checks, and
 * 'finish'/'error' listeners on every response): 15 % of a hello-world route's throughput in our
 * runs (Node 20, 2 cores), whatever the runner adds. Compared with `fastify()` without
 * a logger, the rows would measure that cost, not the runner's; a row per benchmark still shows it.
 */
export const SAME_LOGGER: Readonly<Record<string, string>> = Object.freeze({ BENCH_FASTIFY_LOGGER: BASELINE_LOG_LEVEL })
export const SAME_LOGGER_BASELINE = `fastify({ logger: { level: '${BASELINE_LOG_LEVEL}' } }) with the same route (the runner's logger and level, see SAME_LOGGER in measure-throughput.ts)`
export const NO_LOGGER_BASELINE = 'fastify() without a logger, with the same route: the difference to the row above is what having a logger at all costs Fastify per request'

export interface Throughput {
  /** Median of the runs' requests per second. */
  readonly median: number
  /** The slowest run's requests per second. */
  readonly min: number
  /** Requests per second of each round, in round order (round i of every subject ran close in time, each in a process of its own). */
  readonly runs: readonly number[]
  /** Answers other than 2xx, and connection errors, over every timed run: both must stay 0. */
  readonly non2xx: number
  readonly errors: number
}

interface LoadResult {
  readonly perSecond: number
  readonly non2xx: number
  readonly errors: number
}

/** Which load generator this machine has; `wrk` when its binary runs. */
export const loadGenerator: 'wrk' | 'autocannon' = spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined ? 'wrk' : 'autocannon'

async function loadWithWrk (url: string, connections: number, seconds: number): Promise<LoadResult> {
  const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, url], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  const perSecond = /^Requests\/sec:\s+([\d.]+)/m.exec(output)
  if (code !== 0 || perSecond === null) throw new Error(`wrk failed (exit ${code}):\n${output}`)
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output)
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
  return {
    perSecond: Number(perSecond[1]),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    errors: socketErrors === null ? 0 : socketErrors.slice(1).reduce((sum, count) => sum + Number(count), 0),
  }
}

async function loadWithAutocannon (url: string, connections: number, seconds: number): Promise<LoadResult> {
  const result = await autocannon({ url, connections, duration: seconds })
  return { perSecond: result.requests.total / seconds, non2xx: result.non2xx, errors: result.errors }
}

function load (port: number, path: string, connections: number, seconds: number): Promise<LoadResult> {
  const url = `http://127.0.0.1:${port}${path}`
  return loadGenerator === 'wrk' ? loadWithWrk(url, connections, seconds) : loadWithAutocannon(url, connections, seconds)
}

async function stopServer (program: Program): Promise<void> {
  program.child.kill('SIGTERM')
  let bound: NodeJS.Timeout | undefined
  await Promise.race([program.exited, new Promise((resolve) => { bound = setTimeout(resolve, 5_000) })])
  clearTimeout(bound)
  killIfAlive(program.pid)
}

/** Pins every thread of this process (and so the load generators it starts) to `cpus` (a taskset list); false when taskset is missing. */
function pinSelf (cpus: string): boolean {
  return spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' }).status === 0
}

/**
 * Runs `rounds` rounds. Each round starts a fresh process of every subject, warms each up, loads
 * each once (rotating who goes first) and stops them: two processes of one program can differ in
 * throughput by 20 % for their whole life (JIT decisions), so a subject is sampled over as many
 * processes as rounds, not judged by one.
 */
export async function compareThroughput<K extends string> (subjects: Readonly<Record<K, ServerSubject>>, options: ThroughputOptions): Promise<Record<K, Throughput>> {
  const names = Object.keys(subjects) as K[]
  const cpuCount = availableParallelism()
  const isPinned = cpuCount >= 2 && pinSelf('1')
  const runs = names.map((): number[] => [])
  const non2xx = names.map(() => 0)
  const errors = names.map(() => 0)
  try {
    for (let round = 0; round < options.rounds; round++) {
      // stdout to /dev/null: a log reader in this process would compete with the load for its core.
      let closers: Array<() => void> = []
      const programs = names.map((name) => spawnProgram(subjects[name].file, {
        env: { FSR_PORT: '0', ...subjects[name].env },
        stdout: 'ignore',
        nodeFlags: subjects[name].nodeFlags ?? [],
        ...(isPinned ? { cpu: 0 } : {}),
      }))
      try {
        const listening = await Promise.all(programs.map(async (program) => (await program.waitForLine(isListening)).json))
        const ports = listening.map((json) => json.port as number)
        closers = names.map((name, i) => openEventClients(listening[i].adminPort as number, subjects[name].eventClients ?? 0))
        for (const port of ports) await load(port, options.path, options.connections, options.warmupSeconds)
        for (let turn = 0; turn < names.length; turn++) {
          const i = (round + turn) % names.length
          const result = await load(ports[i], options.path, options.connections, options.seconds)
          runs[i].push(result.perSecond)
          non2xx[i] += result.non2xx
          errors[i] += result.errors
        }
      } finally {
        for (const close of closers) close()
        await Promise.all(programs.map(stopServer))
      }
    }
  } finally {
    if (isPinned) pinSelf(`0-${cpuCount - 1}`)
  }
  const outcome = {} as Record<K, Throughput>
  names.forEach((name, i) => {
    outcome[name] = { median: median(runs[i]), min: Math.min(...runs[i]), runs: runs[i], non2xx: non2xx[i], errors: errors[i] }
  })
  return outcome
}

/** How compareThroughput loaded the servers, for a row's note. */
export function describeLoad (options: ThroughputOptions): string {
  return `${loadGenerator}, ${options.connections} keep-alive connections, GET ${options.path}; ${options.rounds} rounds, each starting a fresh process of every server (pinned to CPU 0, the load to CPU 1, where taskset exists), warming each up for ${options.warmupSeconds} s, then loading each for ${options.seconds} s in turn`
}

/**
 * A table row comparing two throughputs. Its ratio is the median of the per-round ratios (see the
 * top of this file). With `goal`, the row is met when neither side saw a non-2xx answer or an
 * error and that ratio reaches `goal`; without, it is information.
 */
export function throughputRow (label: string, ours: Throughput, baseline: Throughput, options: { readonly goal?: number, readonly note: string, readonly columns?: Readonly<Record<string, string>> }): Row {
  const failures = ours.non2xx + ours.errors + baseline.non2xx + baseline.errors
  const ratio = pairedRatio(ours, baseline)
  const { goal } = options
  return {
    label,
    ours: { median: ours.median, min: ours.min, unit: 'req/s' },
    baseline: { median: baseline.median, min: baseline.min, unit: 'req/s' },
    ratio,
    columns: {
      'per-round ratios': ours.runs.map((perSecond, round) => (perSecond / baseline.runs[round]).toFixed(2)).join(' '),
      'non-2xx/errors': `${ours.non2xx}/${ours.errors} vs ${baseline.non2xx}/${baseline.errors}`,
      ...options.columns,
    },
    ...(goal === undefined ? {} : { isMet: failures === 0 && ratio >= goal }),
    note: `${options.note}; ours/baseline is the median of the per-round ratios, 'min' the slowest run`,
  }
}
