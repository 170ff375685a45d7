// start + stop of a runner with N trivial services, against bare Fastify loading N empty plugins.
// Both sides are built, started and stopped inside the timed run, without a listening main server
// (`server: false`, no listen). The judged rows run the runner as users get it, every built-in on
// (admin server on 127.0.0.1:0, metrics, debug, pressure); information rows show the core alone.
//
// The judged rows run warm, without a forced garbage collection between runs. A forced full
// collection makes V8 throw away optimized code (it deoptimizes code whose embedded objects it
// clears: after ten such collections even a ten-line class is deoptimized), so every run would
// re-warm the JIT, and the rows would weigh how much JavaScript each side runs per plugin before it
// is optimized again rather than what the lifecycle costs. Subjects take turns in a rotating
// order, and every run ends with one turn of the event loop, timed as part of its stop: V8 runs the
// young-generation collection it schedules (at 80 % full) at the next turn, and bare Fastify's
// ready() and close() never yield, so without that turn each of its runs left its collection to the
// next run that did (the runner's, whose admin server turns the loop), which paid it with its own
// thousand services alive (docs/start-stop-speed.md, seventh pass). Two information rows show the other
// sides of it: the same comparison with a forced collection before every run, and one start + stop
// per fresh process (what a program pays when it boots, the JIT cold).
//
// The judged rows run in several processes of their own, one after another, and are judged by the
// median of the processes' ratios. One process settles in one way for its life: where the young
// generation's collections fall in a round (each copies whatever is alive at that moment, a boot's
// thousand services or nothing) and what the JIT made of the code both sides share (avvio,
// Fastify). Bare Fastify's 1,000-plugin median moved from 14 to 25 ms between processes of one
// machine, and a single process's ratio from 1.5x to 2.6x with it.
import type { Logger } from 'pino'
import type { RunnerOptions } from '../../types/index.ts'
import type { Benchmark, Row } from './benchmark.ts'
import { measure, median, pairedRatio, type MeasureOptions, type Sample, type Subject } from './measure.ts'
import { createNullLogger } from './null-logger.ts'
import { formatNumber } from './print-table.ts'
import { compiledModule, spawnProgram } from './spawn-program.ts'

type MainSubject = 'ours' | 'shared' | 'encapsulated' | 'oursLarge' | 'sharedLarge'

// The runner as users run it, compiled by tsc: through tsx, each function made per service also
// pays for the name helper tsx adds around it, which bare Fastify (plain JavaScript) never does.
const { BUILTINS, CORE, startStopFastify, startStopHandWritten, startStopRunner } = await import(compiledModule('test/bench/fixtures/start-stop-subjects.ts')) as typeof import('./fixtures/start-stop-subjects.ts')

/** The judged rows (all built-ins on): at most this many times bare Fastify's time. */
const GOAL_RATIO = 2
/**
 * Growing linearly: from 1,000 to 10,000 services the time may grow at most this much more than
 * bare Fastify's does in the same rounds. Not against an absolute 10x: warm, a run with 10,000
 * plugins pays more garbage collection per plugin than one with 1,000 on either side (Fastify's own
 * growth is 10.2-14.2x here), so an absolute bound would judge the heap, not the runner.
 */
const LINEAR_SLACK = 1.25
const SMALL = 1_000
const LARGE = 10_000
/**
 * Rows 1-3 and 7, in MAIN_PROCESSES processes of MAIN_ROUNDS rounds each (test/bench/fixtures/start-stop-rounds.ts):
 * both sizes take turns in the same rounds, so the growth from 1,000 to 10,000 is measured within
 * each round (time at 10,000 / time at 1,000 of the same side), as the ratios are. Many short
 * processes rather than a few long ones: the ratio moves more between processes than between the
 * rounds of one, so more of them steady the median that judges.
 */
const MAIN_PROCESSES = 9
const MAIN_ROUNDS = 9
/** Rows beside the main comparison: fewer runs, they are there to show an order of magnitude. */
const SIDE_RUNS: MeasureOptions = { warmup: 1, iterations: 3, collectGarbage: false }
/** The log-info row: enough rounds that one slow spell does not decide its median. */
const INFO_RUNS: MeasureOptions = { warmup: 2, iterations: 9, collectGarbage: false }
/** Row 1 against the same services written by hand on bare Fastify, in the harness's process. */
const HAND_RUNS: MeasureOptions = { warmup: 2, iterations: 15, collectGarbage: false }
/** Row 1 with a forced full garbage collection before every run (see the top of this file). */
const COLLECTED_RUNS: MeasureOptions = { warmup: 5, iterations: 25 }
/** One fresh process per run: times reported by the process (after its imports), nothing to collect. */
const COLD_RUNS: MeasureOptions = { warmup: 1, iterations: 7, collectGarbage: false, timeBy: 'phases' }

function runRunner (count: number, options: RunnerOptions): Subject {
  return () => startStopRunner(count, options)
}

/** Bare Fastify with N empty plugins (see startStopFastify). */
function runFastify (count: number, options: { shared: boolean, logger?: Logger }): Subject {
  return () => startStopFastify(count, options)
}

/** One start + stop in a fresh process (test/bench/fixtures/start-stop-once.ts). */
function runOnce (side: 'runner' | 'fastify', count: number): Subject {
  return async () => {
    const program = spawnProgram('start-stop-once.ts', { env: { BENCH_SIDE: side, BENCH_COUNT: String(count) } })
    const { json } = await program.waitForLine((line) => line.event === 'done', 60_000)
    const exit = await program.exited
    if (exit.code !== 0) throw new Error(`start-stop-once (${side}, ${count}) exited with ${exit.signal ?? `code ${exit.code}`}:\n${program.transcript()}`)
    return { build: Number(json.build), start: Number(json.start), stop: Number(json.stop) }
  }
}

/** The main comparison, once per process: each process's samples. */
async function runMain (): Promise<Array<Record<MainSubject, Sample>>> {
  const results: Array<Record<MainSubject, Sample>> = []
  for (let i = 0; i < MAIN_PROCESSES; i++) {
    const program = spawnProgram('start-stop-rounds.ts', { env: { BENCH_ROUNDS: String(MAIN_ROUNDS), BENCH_SMALL: String(SMALL), BENCH_LARGE: String(LARGE) } })
    const { json } = await program.waitForLine((line) => line.event === 'done', 120_000)
    const exit = await program.exited
    if (exit.code !== 0) throw new Error(`start-stop-rounds exited with ${exit.signal ?? `code ${exit.code}`}:\n${program.transcript()}`)
    results.push(json.samples as Record<MainSubject, Sample>)
  }
  return results
}

/** The runs of several processes as one sample (their phases: the median of the processes' medians). */
function pooled (samples: readonly Sample[]): Sample {
  const runs = samples.flatMap((sample) => sample.runs)
  const phaseNames = Object.keys(samples[0]?.phases ?? {})
  return {
    median: median(runs),
    min: Math.min(...runs),
    runs,
    phases: Object.fromEntries(phaseNames.map((phase) => [phase, median(samples.map((sample) => sample.phases[phase] ?? 0))])),
  }
}

/** The median of the processes' ratios, and how far they spread. */
function acrossProcesses (ratios: readonly number[]): { ratio: number, spread: string } {
  return { ratio: median(ratios), spread: `${formatNumber(Math.min(...ratios))}-${formatNumber(Math.max(...ratios))}x over ${ratios.length} processes` }
}

function phases (sample: Sample): string {
  const { build, start, stop } = sample.phases
  return `${formatNumber(build)} / ${formatNumber(start)} / ${formatNumber(stop)}`
}

/** `ratio`: ours/baseline when it is not the paired ratio of the two samples (the judged rows: across processes). */
function timingRow (label: string, count: number, ours: Sample, baseline: Sample, note: string, isJudged = true, ratio = pairedRatio(ours, baseline)): Row {
  const perService = (sample: Sample): string => `${formatNumber((sample.median / count) * 1000)} µs`
  return {
    label,
    ours: { median: ours.median, min: ours.min, unit: 'ms' },
    baseline: { median: baseline.median, min: baseline.min, unit: 'ms' },
    ratio,
    columns: {
      'ours/service': perService(ours),
      'baseline/service': perService(baseline),
      'ours build/start/stop ms': phases(ours),
      'baseline build/ready/close ms': phases(baseline),
    },
    ...(isJudged ? { isMet: ratio <= GOAL_RATIO } : {}),
    note,
  }
}

export const benchmark: Benchmark = {
  name: 'start-stop',
  goal: `with every built-in on (admin, metrics, debug, pressure, dashboard), start + stop within ${GOAL_RATIO}x of bare Fastify with as many empty plugins, growing linearly (1k -> 10k services: at most ${LINEAR_SLACK}x bare Fastify's growth)`,
  async run () {
    // One logger for every round of both sides, as a process has one. A logger made per round
    // (`log: { level }`) would cost each round's runner more than a process ever pays: pino gives
    // every logger a prototype of its own, so code that has run against the previous round's logger
    // is deoptimized on meeting the next one.
    const quiet = createNullLogger('silent')
    const silent: RunnerOptions = { ...CORE, logger: quiet }
    const byProcess = await runMain()
    const main = Object.fromEntries((['ours', 'shared', 'encapsulated', 'oursLarge', 'sharedLarge'] as const)
      .map((subject) => [subject, pooled(byProcess.map((samples) => samples[subject]))])) as Record<MainSubject, Sample>
    const small = acrossProcesses(byProcess.map(({ ours, shared }) => pairedRatio(ours, shared)))
    const large = acrossProcesses(byProcess.map(({ oursLarge, sharedLarge }) => pairedRatio(oursLarge, sharedLarge)))
    const encapsulated = acrossProcesses(byProcess.map(({ ours, encapsulated }) => pairedRatio(ours, encapsulated)))
    const logger = createNullLogger('info')
    const info = await measure({
      ours: runRunner(LARGE, { ...BUILTINS, logger }),
      shared: runFastify(LARGE, { shared: true, logger }),
    }, INFO_RUNS)
    const core = await measure({
      ours: runRunner(SMALL, silent),
      shared: runFastify(SMALL, { shared: true, logger: quiet }),
      oursLarge: runRunner(LARGE, silent),
      sharedLarge: runFastify(LARGE, { shared: true, logger: quiet }),
    }, SIDE_RUNS)
    const hand = await measure({
      ours: runRunner(SMALL, { ...BUILTINS, logger: quiet }),
      core: runRunner(SMALL, silent),
      hand: () => startStopHandWritten(SMALL, { logger: quiet }),
      shared: runFastify(SMALL, { shared: true, logger: quiet }),
    }, HAND_RUNS)
    const collected = await measure({
      ours: runRunner(SMALL, silent),
      shared: runFastify(SMALL, { shared: true, logger: quiet }),
    }, COLLECTED_RUNS)
    const cold = await measure({
      small: runOnce('runner', SMALL),
      smallBaseline: runOnce('fastify', SMALL),
      large: runOnce('runner', LARGE),
      largeBaseline: runOnce('fastify', LARGE),
    }, COLD_RUNS)

    // Each side's growth is the median of its per-round growths; a per-round ratio of the two
    // would stack the noise of four runs. Judged across processes as the other main rows.
    const growths = byProcess.map((samples) => ({ ours: pairedRatio(samples.oursLarge, samples.ours), shared: pairedRatio(samples.sharedLarge, samples.shared) }))
    const growth = { ours: median(growths.map((each) => each.ours)), shared: median(growths.map((each) => each.shared)) }
    const growthSpread = acrossProcesses(growths.map((each) => each.ours / each.shared))
    const growthRatio = growthSpread.ratio
    const baselineNote = 'baseline: fastify({ loggerInstance }) + N fastify-plugin-wrapped empty named plugins (the shape the runner gives each service), ready(), close(); every run of either side ends with one turn of the event loop, in its stop time (see the top of start-stop.bench.ts); both sides share one pino logger at level silent, made once (see run())'
    const coreGrowth = pairedRatio(core.oursLarge, core.ours) / pairedRatio(core.sharedLarge, core.shared)
    return [
      timingRow('N=1,000, built-ins on, log silent', SMALL, main.ours, main.shared, `WHAT USERS RUN: ours: createRunner with every built-in on (admin server listening on 127.0.0.1:0, metrics, debug, pressure, dashboard), server: false, signals: false, compiled by tsc as users run it; ${baselineNote}; in every row ours/baseline is the median of the per-round ratios (a round runs each subject once, in rotating order); rows 1-3 and 7 ran in ${MAIN_PROCESSES} processes of ${MAIN_ROUNDS} rounds each (see the top of start-stop.bench.ts), their ratio is the median of the processes' ratios (${small.spread}), their times the median of every run; goal <= ${GOAL_RATIO}x`, true, small.ratio),
      timingRow('N=10,000, built-ins on, log silent', LARGE, main.oursLarge, main.sharedLarge, `as row 1, with 10,000 services / plugins, in the same rounds as row 1 (${large.spread})`, true, large.ratio),
      {
        label: 'growth 1k -> 10k, built-ins on',
        ours: { median: growth.ours, unit: 'x' },
        baseline: { median: growth.shared, unit: 'x' },
        ratio: growthRatio,
        isMet: growthRatio <= LINEAR_SLACK,
        note: `time at N=10,000 divided by time at N=1,000 of the same side in the same round (rows 2 and 1), median over the rounds; ours/baseline is our growth divided by Fastify's (${growthSpread.spread}), above ${LINEAR_SLACK}x misses the goal (see LINEAR_SLACK); 10x would be exactly linear`,
      },
      timingRow('N=10,000, built-ins on, log info -> /dev/null', LARGE, info.ours, info.shared,
        'information only: row 2 with both sides logging at the default level info (one pino logger, sync, to /dev/null)', false),
      timingRow('N=1,000, core only', SMALL, core.ours, core.shared, 'information only: the core runner (built-ins off), log silent; the baseline of row 1, run in the same rounds', false),
      timingRow('N=10,000, core only', LARGE, core.oursLarge, core.sharedLarge, `information only: as the row above, with 10,000; growth 1k -> 10k of the core against Fastify's: ${formatNumber(coreGrowth)}x`, false),
      timingRow('N=1,000 vs encapsulated', SMALL, main.ours, main.encapsulated,
        `information only: ours as row 1; baseline: fastify() + N plain \`async () => {}\` plugins (one encapsulated context each) (${encapsulated.spread}). Not run at 10,000: Fastify 5 overflows the stack in ready() (onReady hook runner recursing over child contexts) from ~2,500 children on`, false, encapsulated.ratio),
      timingRow('N=1,000 vs hand-written plugins', SMALL, hand.ours, hand.hand,
        `information only: ours as row 1 (in the harness's process); baseline: the same 1,000 services written by hand on bare Fastify (each a named plugin that awaits its init and adds an onClose hook awaiting its stop; no timeouts, states, health or admin server). The core runner against it: ${formatNumber(pairedRatio(hand.core, hand.hand))}x; the hand-written plugins against row 1's baseline (what an onClose hook per plugin costs Fastify itself): ${formatNumber(pairedRatio(hand.hand, hand.shared))}x`, false),
      timingRow('N=1,000, forced gc before each run', SMALL, collected.ours, collected.shared,
        'information only: row 1 with a full garbage collection forced before every run of either side (how this benchmark measured until it was found to re-warm the JIT every run; see the top of start-stop.bench.ts)', false),
      timingRow('N=1,000, cold: one run per process', SMALL, cold.small, cold.smallBaseline,
        'information only: one start + stop in a fresh node process per run (test/bench/fixtures/start-stop-once.ts), timed inside it after its imports, so nothing is optimized yet: what a program pays once as it boots. Both sides make their Fastify instance inside the timed part (the first one in a process loads Fastify\'s validator, about 40 ms here)', false),
      timingRow('N=10,000, cold: one run per process', LARGE, cold.large, cold.largeBaseline, 'information only: as the row above, with 10,000 services / plugins', false),
    ]
  },
}
