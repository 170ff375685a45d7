// Request throughput of real server processes, measured alike: every subject runs in a process of
// its own, autocannon loads one at a time over loopback from this process, and the subjects take
// turns, rotating who goes first, so a drift of the machine spreads over all of them. Where
// `taskset` exists, the servers run on CPU 0 and this process on CPU 1: without it the scheduler
// moves both around, which on a 2-core machine swings a run by more than the costs being measured.
import autocannon from 'autocannon'
import { spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import type { Row } from './benchmark.ts'
import { median } from './measure.ts'
import { formatNumber } from './print-table.ts'
import { isListening, killIfAlive, spawnProgram, type Program } from './spawn-program.ts'

/** A server program and its environment (see fixtures/). */
export interface ServerSubject {
  readonly file: string
  readonly env?: Readonly<Record<string, string>>
}

export interface ThroughputOptions {
  /** GET path every request asks for. */
  readonly path: string
  /** Keep-alive connections of the load. */
  readonly connections: number
  /** Untimed load on each subject first, seconds (JIT, pools, first samples of monitors). */
  readonly warmupSeconds: number
  /** Timed runs of each subject. */
  readonly rounds: number
  /** Length of one timed run, seconds. */
  readonly seconds: number
}

export interface Throughput {
  /** Median of the runs' mean requests per second. */
  readonly median: number
  /** The slowest run's mean requests per second. */
  readonly min: number
  readonly runs: readonly number[]
  /** Answers other than 2xx, and connection errors, over every timed run: both must stay 0. */
  readonly non2xx: number
  readonly errors: number
}

async function load (port: number, path: string, connections: number, seconds: number): Promise<autocannon.Result> {
  return await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections, duration: seconds })
}

async function stopServer (program: Program): Promise<void> {
  program.child.kill('SIGTERM')
  let bound: NodeJS.Timeout | undefined
  await Promise.race([program.exited, new Promise((resolve) => { bound = setTimeout(resolve, 5_000) })])
  clearTimeout(bound)
  killIfAlive(program.pid)
}

/** Pins every thread of this process to `cpus` (a taskset list); false when taskset is missing. */
function pinSelf (cpus: string): boolean {
  return spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' }).status === 0
}

/** Starts every subject, warms each up, then runs `rounds` timed runs of each in turn. */
export async function compareThroughput<K extends string> (subjects: Readonly<Record<K, ServerSubject>>, options: ThroughputOptions): Promise<Record<K, Throughput>> {
  const names = Object.keys(subjects) as K[]
  const cpuCount = availableParallelism()
  const isPinned = cpuCount >= 2 && pinSelf('1')
  // stdout to /dev/null: a log reader in this process would compete with the load for its core.
  const programs = names.map((name) => spawnProgram(subjects[name].file, {
    env: { FSR_PORT: '0', ...subjects[name].env },
    stdout: 'ignore',
    ...(isPinned ? { cpu: 0 } : {}),
  }))
  try {
    const ports = await Promise.all(programs.map(async (program) => (await program.waitForLine(isListening)).json.port as number))
    for (const port of ports) await load(port, options.path, options.connections, options.warmupSeconds)
    const runs = names.map((): number[] => [])
    const non2xx = names.map(() => 0)
    const errors = names.map(() => 0)
    for (let round = 0; round < options.rounds; round++) {
      for (let turn = 0; turn < names.length; turn++) {
        const i = (round + turn) % names.length
        const result = await load(ports[i], options.path, options.connections, options.seconds)
        runs[i].push(result.requests.average)
        non2xx[i] += result.non2xx
        errors[i] += result.errors
      }
    }
    const outcome = {} as Record<K, Throughput>
    names.forEach((name, i) => {
      outcome[name] = { median: median(runs[i]), min: Math.min(...runs[i]), runs: runs[i], non2xx: non2xx[i], errors: errors[i] }
    })
    return outcome
  } finally {
    await Promise.all(programs.map(stopServer))
    if (isPinned) pinSelf(`0-${cpuCount - 1}`)
  }
}

/**
 * A table row comparing two throughputs. With `goal`, the row is met when neither side saw a non-2xx
 * answer or an error and ours reaches `goal` times the baseline's median; without, it is information.
 */
export function throughputRow (label: string, ours: Throughput, baseline: Throughput, options: { readonly goal?: number, readonly note: string, readonly columns?: Readonly<Record<string, string>> }): Row {
  const failures = ours.non2xx + ours.errors + baseline.non2xx + baseline.errors
  const { goal } = options
  return {
    label,
    ours: { median: ours.median, min: ours.min, unit: 'req/s' },
    baseline: { median: baseline.median, min: baseline.min, unit: 'req/s' },
    columns: {
      'ours runs': ours.runs.map((value) => formatNumber(value)).join(' '),
      'baseline runs': baseline.runs.map((value) => formatNumber(value)).join(' '),
      'non-2xx/errors': `${ours.non2xx}/${ours.errors} vs ${baseline.non2xx}/${baseline.errors}`,
      ...options.columns,
    },
    ...(goal === undefined ? {} : { isMet: failures === 0 && ours.median / baseline.median >= goal }),
    note: `${options.note}; 'min' is the slowest run`,
  }
}
