// Zero-downtime upgrade under load, against a plain restart of the same program under the same load.
// One createRunner program (fixtures/runner-server.ts) on a fixed port, a strict keep-alive client
// on 4 connections sending GET /slow?ms=20 throughout; ours: five SIGHUP upgrades in a row (the pid
// read from the PID file each time); baseline: five restarts (SIGTERM, wait for the exit, start the
// program again). Both in one run, timed on this process's clock.
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import type { Benchmark, Row } from './benchmark.ts'
import { median } from './measure.ts'
import { formatNumber } from './print-table.ts'
import { isListening, killIfAlive, spawnProgram, waitForExit, type Program } from './spawn-program.ts'
import { findFreePort } from '../helpers/free-port.ts'
import { FAILURE_PACE_MS, startLoad, type Load, type LoadResult } from '../helpers/strict-client.ts'

const CYCLES = 5
const CONNECTIONS = 4
const REQUEST_MS = 20
/** A cycle ends once the new process has answered this many requests. */
const SERVED_AFTER_CYCLE = 10
const PROGRAM = 'runner-server.ts'

/** Waits until `pid` has answered `count` requests of the load (bounded). */
async function waitForServed (load: Load, pid: number, count: number, ms = 10_000): Promise<void> {
  const until = performance.now() + ms
  while ((load.byPid.get(pid) ?? 0) < count) {
    if (performance.now() > until) throw new Error(`process ${pid} answered fewer than ${count} requests within ${ms} ms`)
    await delay(5)
  }
}

interface Cycle {
  /** performance.now() when the signal was sent, and when the cycle was over (new process serving). */
  readonly begin: number
  readonly end: number
  /** Signal to the new process announcing it listens (after its start() resolved), ms. */
  readonly toReady: number
  /** Signal to the old process's exit, ms. */
  readonly toExit: number
  /** Ours only: signal to the old process's log line that it handed over (PID file written), ms. */
  readonly toHandover?: number
}

interface Phase {
  readonly cycles: readonly Cycle[]
  readonly load: LoadResult
}

function readPid (file: string): number {
  return Number(readFileSync(file, 'utf8').trim())
}

async function runUpgrades (port: number, pidFile: string): Promise<Phase> {
  const program = spawnProgram(PROGRAM, { env: { FSR_PORT: String(port), FSR_PID_FILE: pidFile } })
  const pids = new Set<number>([program.pid])
  let load: Load | undefined
  try {
    await program.waitForLine(isListening)
    load = startLoad(port, `/slow?ms=${REQUEST_MS}`, CONNECTIONS)
    await waitForServed(load, program.pid, SERVED_AFTER_CYCLE)
    const cycles: Cycle[] = []
    for (let i = 0; i < CYCLES; i++) {
      const old = readPid(pidFile)
      const begin = performance.now()
      process.kill(old, 'SIGHUP')
      // Every generation writes to the same stderr and stdout: ours.
      const ready = await program.waitForLine((line) => isListening(line) && !pids.has(line.pid as number))
      const next = ready.json.pid as number
      pids.add(next)
      // Logged by the old process once the new one reported ready and the PID file names it.
      const handover = await program.waitForLine((line) => line.msg === 'upgrade handed over, draining' && line.generation === i + 1)
      if (readPid(pidFile) !== next) throw new Error(`PID file says ${readPid(pidFile)} after the handover to ${next}`)
      // Only the first generation is our child; the others are watched through /proc.
      const exitAt = old === program.pid ? (await program.exited).at : await waitForExit(old)
      await waitForServed(load, next, SERVED_AFTER_CYCLE)
      cycles.push({ begin, end: performance.now(), toReady: ready.at - begin, toExit: exitAt - begin, toHandover: handover.at - begin })
    }
    const result = await load.stop()
    load = undefined
    const last = readPid(pidFile)
    process.kill(last, 'SIGTERM')
    await waitForExit(last)
    return { cycles, load: result }
  } finally {
    await load?.stop()
    for (const pid of pids) killIfAlive(pid)
  }
}

async function runRestarts (port: number, pidFile: string): Promise<Phase> {
  const start = (): Program => spawnProgram(PROGRAM, { env: { FSR_PORT: String(port), FSR_PID_FILE: pidFile } })
  let program = start()
  const started: Program[] = [program]
  let load: Load | undefined
  try {
    await program.waitForLine(isListening)
    load = startLoad(port, `/slow?ms=${REQUEST_MS}`, CONNECTIONS)
    await waitForServed(load, program.pid, SERVED_AFTER_CYCLE)
    const cycles: Cycle[] = []
    for (let i = 0; i < CYCLES; i++) {
      const begin = performance.now()
      program.child.kill('SIGTERM')
      const exit = await program.exited
      program = start()
      started.push(program)
      const ready = await program.waitForLine(isListening)
      await waitForServed(load, program.pid, SERVED_AFTER_CYCLE)
      cycles.push({ begin, end: performance.now(), toReady: ready.at - begin, toExit: exit.at - begin })
    }
    const result = await load.stop()
    load = undefined
    program.child.kill('SIGTERM')
    await program.exited
    return { cycles, load: result }
  } finally {
    await load?.stop()
    for (const { pid } of started) killIfAlive(pid)
  }
}

/** Per cycle: the longest time without a successful response, from the last one before the signal on. */
function longestGaps ({ cycles, load }: Phase): number[] {
  return cycles.map(({ begin, end }) => {
    const before = load.answeredAt.filter((at) => at < begin)
    const during = load.answeredAt.filter((at) => at >= begin && at <= end)
    const times = [before.at(-1) ?? begin, ...during]
    let longest = 0
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i] - times[i - 1])
    return longest
  })
}

function timing (values: readonly number[]): { median: number, min: number, unit: string } {
  return { median: median(values), min: Math.min(...values), unit: 'ms' }
}

function describeFailures (load: LoadResult): string {
  const counts = new Map<string, number>()
  for (const { what } of load.failures) counts.set(what, (counts.get(what) ?? 0) + 1)
  return counts.size === 0 ? 'none' : [...counts].map(([what, count]) => `${count}x ${what}`).join(', ')
}

export const benchmark: Benchmark = {
  name: 'upgrade',
  goal: `zero failed requests through ${CYCLES} SIGHUP upgrades under load (strict keep-alive client, ${CONNECTIONS} connections); a plain restart of the same program under the same load shown for contrast`,
  async run () {
    const dir = await mkdtemp(join(tmpdir(), 'fsr-bench-upgrade-'))
    try {
      const port = await findFreePort()
      const ours = await runUpgrades(port, join(dir, 'upgrade.pid'))
      const baseline = await runRestarts(port, join(dir, 'restart.pid'))
      const served = `${ours.load.ok} / ${baseline.load.ok}`
      const worst = (values: readonly number[]): string => `${formatNumber(Math.max(...values))} ms`
      const gaps = { ours: longestGaps(ours), baseline: longestGaps(baseline) }
      const handovers = ours.cycles.map((cycle) => cycle.toHandover ?? 0)
      const rows: Row[] = [
        {
          label: `failed requests, ${CYCLES} cycles`,
          ours: { median: ours.load.failures.length, unit: 'errors' },
          baseline: { median: baseline.load.failures.length, unit: 'errors' },
          columns: { 'ok ours / baseline': served, 'ours worst': '-' },
          isMet: ours.load.failures.length === 0 && ours.load.ok > 0,
          note: `strict node:http client, keep-alive, ${CONNECTIONS} connections, GET /slow?ms=${REQUEST_MS}, no retry (after a failure a connection pauses ${FAILURE_PACE_MS} ms before its next request, so the baseline's count grows with its downtime). ours: ${describeFailures(ours.load)}; baseline: ${describeFailures(baseline.load)}`,
        },
        {
          label: 'longest gap without a response',
          ours: timing(gaps.ours),
          baseline: timing(gaps.baseline),
          columns: { 'ok ours / baseline': served, 'ours worst': worst(gaps.ours) },
          note: 'per cycle, from the last response before the signal to the new process answering its 10th request: the longest time in which no connection got a response (the client-side downtime)',
        },
        {
          label: 'signal -> new process ready',
          ours: timing(ours.cycles.map((cycle) => cycle.toReady)),
          baseline: timing(baseline.cycles.map((cycle) => cycle.toReady)),
          columns: { 'ok ours / baseline': served, 'ours worst': worst(ours.cycles.map((cycle) => cycle.toReady)) },
          note: `ours: SIGHUP to the new generation announcing it serves (its start() resolved); the old process logged the handover (PID file rewritten) ${formatNumber(median(handovers))} ms after SIGHUP (median). baseline: SIGTERM to the restarted program announcing it serves (includes waiting for the old one's exit)`,
        },
        {
          label: 'signal -> old process exit',
          ours: timing(ours.cycles.map((cycle) => cycle.toExit)),
          baseline: timing(baseline.cycles.map((cycle) => cycle.toExit)),
          columns: { 'ok ours / baseline': served, 'ours worst': worst(ours.cycles.map((cycle) => cycle.toExit)) },
          note: `ours: SIGHUP to the old generation gone (it drains after the handover, ${formatNumber(median(ours.cycles.map((cycle) => cycle.toExit - (cycle.toHandover ?? 0))))} ms from handover to exit, median; busy keep-alive sockets move on their next response); baseline: SIGTERM to exit`,
        },
      ]
      return rows
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  },
}
