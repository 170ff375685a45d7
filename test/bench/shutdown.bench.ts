// Graceful shutdown, process against process: SIGTERM while 50 keep-alive clients each wait on a
// 200 ms response. Ours: a createRunner program (fixtures/runner-server.ts) with Fastify's default
// keepAliveTimeout (72 s) left as it is. Baseline: plain fastify() whose SIGTERM handler awaits
// close() and then exits (fixtures/fastify-server.ts). Both are spawned, loaded and signalled alike,
// in alternating rounds of one run; the clock is this process's (signal sent, responses received,
// exit event), so both sides carry the same event-delivery latency.
// Second part, under continuous load: a strict client keeps BUSY_CONNECTIONS keep-alive connections
// busy (a request, its answer, the next one) through SIGTERM; it counts resets, not refused connects.
import http from 'node:http'
import { startLoad } from '../helpers/strict-client.ts'
import { DEFAULT_IDLE_GRACE } from '../../lib/options.ts'
import type { Benchmark, Row } from './benchmark.ts'
import { median } from './measure.ts'
import { formatNumber } from './print-table.ts'
import { isListening, killIfAlive, spawnProgram, type Exit, type Program } from './spawn-program.ts'

const CLIENTS = 50
const REQUEST_MS = 200
const ROUNDS = 3
/** A program still running this long after SIGTERM is killed and reported as such. */
const EXIT_BOUND_MS = 10_000
/** Goal: the process is gone at most this long after the slowest in-flight response arrived. */
const GOAL_AFTER_SLOWEST_MS = 100
const BUSY_CONNECTIONS = 50
/** Responses before the signal, so every connection is open and busy. */
const BUSY_WARM_UP = BUSY_CONNECTIONS * 40
/** Goal under continuous load: gone at most this long after the last response (ours: the default `shutdown.idleGrace` + 100 ms). */
const GOAL_AFTER_LAST_MS = DEFAULT_IDLE_GRACE + 100

interface Subject {
  readonly file: string
  readonly env: Readonly<Record<string, string>>
}

const SUBJECTS = {
  ours: { file: 'runner-server.ts', env: { FSR_PORT: '0' } },
  baseline: { file: 'fastify-server.ts', env: { FSR_PORT: '0' } },
} satisfies Record<string, Subject>

type Side = keyof typeof SUBJECTS

interface Response {
  /** performance.now() when the response ended, or the request failed. */
  readonly at: number
  readonly error?: string
}

interface Trial {
  /** SIGTERM to exit, ms (the bound, for a program that had to be killed). */
  readonly toExit: number
  /** Slowest in-flight response to exit, ms. */
  readonly afterSlowest: number
  readonly isKilled: boolean
  readonly exitCode: number | null
  readonly ok: number
  readonly errors: readonly string[]
}

/** Sends SIGTERM; resolves with the exit, or undefined when the program is still running EXIT_BOUND_MS later. */
async function signalAndWait (program: Program): Promise<Exit | undefined> {
  program.child.kill('SIGTERM')
  let bound: NodeJS.Timeout | undefined
  const exit = await Promise.race([
    program.exited,
    new Promise<undefined>((resolve) => { bound = setTimeout(() => resolve(undefined), EXIT_BOUND_MS) }),
  ])
  clearTimeout(bound)
  return exit
}

/** One request of a strict client: no retry; a reset or a status other than 200 is an error. */
function requestOnce (agent: http.Agent, port: number, path: string): Promise<Response> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200 ? { at: performance.now() } : { at: performance.now(), error: `status ${res.statusCode}` }))
      res.on('error', (err) => resolve({ at: performance.now(), error: `response: ${err.message}` }))
    })
    req.on('error', (err) => resolve({ at: performance.now(), error: `request: ${(err as NodeJS.ErrnoException).code ?? err.message}` }))
  })
}

/** Starts the program, puts CLIENTS requests in flight, sends SIGTERM and times the way out. */
async function runTrial ({ file, env }: Subject): Promise<Trial> {
  const program = spawnProgram(file, { env })
  // One socket per client: keep-alive, so each stays open (idle) after its response.
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS })
  try {
    const { json } = await program.waitForLine(isListening)
    const port = json.port as number
    const path = `/slow?ms=${REQUEST_MS}&announce=1`
    const responses = Array.from({ length: CLIENTS }, () => requestOnce(agent, port, path))
    // Every handler has begun: all CLIENTS requests are in flight.
    await program.waitForLines((line) => line.event === 'request started', CLIENTS, 10_000)
    const signalled = performance.now()
    const exit = await signalAndWait(program)
    const settled = await Promise.all(responses)
    const isKilled = exit === undefined
    if (isKilled) program.child.kill('SIGKILL')
    const exitAt = isKilled ? signalled + EXIT_BOUND_MS : (exit as Exit).at
    const slowest = Math.max(...settled.map((response) => response.at))
    return {
      toExit: exitAt - signalled,
      afterSlowest: exitAt - slowest,
      isKilled,
      exitCode: isKilled ? null : (exit as Exit).code,
      ok: settled.filter((response) => response.error === undefined).length,
      errors: settled.flatMap((response) => response.error ?? []),
    }
  } finally {
    agent.destroy()
    killIfAlive(program.pid)
  }
}

interface BusyTrial {
  readonly isKilled: boolean
  readonly exitCode: number | null
  /** Last successful response to exit, ms. */
  readonly afterLast: number
  readonly ok: number
  /** Failures other than a refused connect (resets, hang-ups, non-200 answers). */
  readonly resets: readonly string[]
  readonly refused: number
}

/** Starts the program, keeps BUSY_CONNECTIONS keep-alive connections busy, sends SIGTERM, and counts what the client saw. */
async function runBusyTrial ({ file, env }: Subject): Promise<BusyTrial> {
  const program = spawnProgram(file, { env })
  try {
    const { json } = await program.waitForLine(isListening)
    const load = startLoad(json.port as number, '/slow?ms=0', BUSY_CONNECTIONS)
    await new Promise<void>((resolve) => {
      const check = (): void => { if (load.answeredAt.length >= BUSY_WARM_UP) resolve(); else setTimeout(check, 5) }
      check()
    })
    const exit = await signalAndWait(program)
    if (exit === undefined) program.child.kill('SIGKILL')
    const result = await load.stop()
    const failures = result.failures.map((failure) => failure.what)
    const resets = failures.filter((what) => what !== 'request: ECONNREFUSED')
    const exitAt = exit === undefined ? performance.now() : exit.at
    return {
      isKilled: exit === undefined,
      exitCode: exit === undefined ? null : exit.code,
      afterLast: exitAt - Math.max(...result.answeredAt),
      ok: result.ok,
      resets,
      refused: failures.length - resets.length,
    }
  } finally {
    killIfAlive(program.pid)
  }
}

function summarise<T> (trials: readonly T[], pick: (trial: T) => number): { median: number, min: number, max: number } {
  const values = trials.map(pick)
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) }
}

function describeOutcome (trials: readonly Trial[]): string {
  const killed = trials.filter((trial) => trial.isKilled).length
  if (killed > 0) return `>${EXIT_BOUND_MS / 1000} s, killed (${killed} of ${trials.length})`
  return `exited, codes ${[...new Set(trials.map((trial) => trial.exitCode))].join(', ')}`
}

function describeErrors (trials: readonly Trial[]): string {
  const counts = new Map<string, number>()
  for (const error of trials.flatMap((trial) => trial.errors)) counts.set(error, (counts.get(error) ?? 0) + 1)
  return counts.size === 0 ? 'none' : [...counts].map(([error, count]) => `${count}x ${error}`).join(', ')
}

export const benchmark: Benchmark = {
  name: 'shutdown',
  goal: `SIGTERM with ${CLIENTS} keep-alive clients mid-request (${REQUEST_MS} ms each): zero client errors, exit within ${GOAL_AFTER_SLOWEST_MS} ms after the slowest in-flight response; with ${BUSY_CONNECTIONS} keep-alive connections kept busy: zero resets, exit within idleGrace + 100 ms after the last response`,
  async run () {
    const trials: Record<Side, Trial[]> = { ours: [], baseline: [] }
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate who goes first, so neither always runs on a fresher machine.
      const order: Side[] = round % 2 === 0 ? ['ours', 'baseline'] : ['baseline', 'ours']
      for (const side of order) trials[side].push(await runTrial(SUBJECTS[side]))
    }
    const busy: Record<Side, BusyTrial[]> = { ours: [], baseline: [] }
    for (let round = 0; round < ROUNDS; round++) {
      const order: Side[] = round % 2 === 0 ? ['ours', 'baseline'] : ['baseline', 'ours']
      for (const side of order) busy[side].push(await runBusyTrial(SUBJECTS[side]))
    }
    const { ours, baseline } = trials
    const errorCount = (list: readonly Trial[]): number => list.reduce((sum, trial) => sum + trial.errors.length, 0)
    const okCount = (list: readonly Trial[]): number => list.reduce((sum, trial) => sum + trial.ok, 0)
    const shared = {
      '200s ours / baseline': `${okCount(ours)} / ${okCount(baseline)}`,
      'ours exit': describeOutcome(ours),
      'baseline exit': describeOutcome(baseline),
    }
    const toExit = { ours: summarise(ours, (trial) => trial.toExit), baseline: summarise(baseline, (trial) => trial.toExit) }
    const after = { ours: summarise(ours, (trial) => trial.afterSlowest), baseline: summarise(baseline, (trial) => trial.afterSlowest) }
    const rows: Row[] = [
      {
        label: 'SIGTERM -> exit',
        ours: { median: toExit.ours.median, min: toExit.ours.min, unit: 'ms' },
        baseline: { median: toExit.baseline.median, min: toExit.baseline.min, unit: 'ms' },
        columns: { 'ours worst': `${formatNumber(toExit.ours.max)} ms`, ...shared },
        note: `ours: createRunner program (built-ins on, keepAliveTimeout left at Fastify's 72 s); baseline: fastify() + process.once('SIGTERM', () => app.close().then(() => process.exit(0))); ${ROUNDS} trials each, alternating; a baseline still running ${EXIT_BOUND_MS / 1000} s after SIGTERM is SIGKILLed and counted as ${EXIT_BOUND_MS / 1000} s`,
      },
      {
        label: 'exit after slowest in-flight response',
        ours: { median: after.ours.median, min: after.ours.min, unit: 'ms' },
        baseline: { median: after.baseline.median, min: after.baseline.min, unit: 'ms' },
        columns: { 'ours worst': `${formatNumber(after.ours.max)} ms`, ...shared },
        isMet: ours.every((trial) => !trial.isKilled) && after.ours.max <= GOAL_AFTER_SLOWEST_MS,
        note: `time from the last of the ${CLIENTS} responses reaching the client to the process's exit; judged on the worst trial (<= ${GOAL_AFTER_SLOWEST_MS} ms). The baseline waits for its idle keep-alive sockets to time out`,
      },
      {
        label: `client errors, ${ROUNDS} x ${CLIENTS} requests`,
        ours: { median: errorCount(ours), unit: 'errors' },
        baseline: { median: errorCount(baseline), unit: 'errors' },
        columns: { 'ours worst': `${Math.max(...ours.map((trial) => trial.errors.length))} errors`, ...shared },
        isMet: errorCount(ours) === 0 && okCount(ours) === ROUNDS * CLIENTS,
        note: `strict node:http client, keep-alive, one socket per client, no retry: resets and non-200 answers count. ours: ${describeErrors(ours)}; baseline: ${describeErrors(baseline)}. 'ours worst': the most errors in one trial`,
      },
      ...busyRows(busy),
    ]
    return rows
  },
}

/** The rows of the continuous-load trials. */
function busyRows ({ ours, baseline }: Record<Side, BusyTrial[]>): Row[] {
  const resets = (list: readonly BusyTrial[]): number => list.reduce((sum, trial) => sum + trial.resets.length, 0)
  const describe = (list: readonly BusyTrial[]): string => {
    const counts = new Map<string, number>()
    for (const what of list.flatMap((trial) => trial.resets)) counts.set(what, (counts.get(what) ?? 0) + 1)
    return counts.size === 0 ? 'none' : [...counts].map(([what, count]) => `${count}x ${what}`).join(', ')
  }
  const exits = (list: readonly BusyTrial[]): string => {
    const killed = list.filter((trial) => trial.isKilled).length
    return killed > 0 ? `killed ${killed} of ${list.length}` : `codes ${[...new Set(list.map((trial) => trial.exitCode))].join(', ')}`
  }
  const after = { ours: summarise(ours, (trial) => trial.afterLast), baseline: summarise(baseline, (trial) => trial.afterLast) }
  const shared = {
    '200s ours / baseline': `${ours.reduce((sum, trial) => sum + trial.ok, 0)} / ${baseline.reduce((sum, trial) => sum + trial.ok, 0)}`,
    'ours exit': exits(ours),
    'baseline exit': exits(baseline),
  }
  return [
    {
      label: `busy keep-alive x ${BUSY_CONNECTIONS}: resets, ${ROUNDS} trials`,
      ours: { median: resets(ours), unit: 'resets' },
      baseline: { median: resets(baseline), unit: 'resets' },
      columns: { 'ours worst': `${Math.max(...ours.map((trial) => trial.resets.length))} resets`, ...shared },
      isMet: resets(ours) === 0 && ours.every((trial) => !trial.isKilled && trial.exitCode === 0),
      note: `strict client (test/helpers/strict-client.ts), ${BUSY_CONNECTIONS} keep-alive connections each sending its next request as soon as the last is answered, no retry, SIGTERM after ${BUSY_WARM_UP} responses; every failure but a refused connect counts (ours: ${describe(ours)}; baseline: ${describe(baseline)}); refused connects, ours ${ours.map((trial) => trial.refused).join('/')}, baseline ${baseline.map((trial) => trial.refused).join('/')}`,
    },
    {
      label: `busy keep-alive x ${BUSY_CONNECTIONS}: exit after last response`,
      ours: { median: after.ours.median, min: after.ours.min, unit: 'ms' },
      baseline: { median: after.baseline.median, min: after.baseline.min, unit: 'ms' },
      columns: { 'ours worst': `${formatNumber(after.ours.max)} ms`, ...shared },
      isMet: ours.every((trial) => !trial.isKilled) && after.ours.max <= GOAL_AFTER_LAST_MS,
      note: `time from the last successful response to the process's exit; judged on the worst trial (<= shutdown.idleGrace ${DEFAULT_IDLE_GRACE} ms + 100 ms)`,
    },
  ]
}
