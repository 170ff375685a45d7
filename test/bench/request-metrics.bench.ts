// What request metrics cost the main server: a runner program with its request metrics, plain
// Fastify with fastify-metrics (same buckets, same route, histogram only) and bare Fastify, loaded
// in the same run, in interleaved rounds of fresh processes (see measure-throughput.ts).
import type { Benchmark, Row } from './benchmark.ts'
import { compareThroughput, describeLoad, HELLO_LOAD, NO_LOGGER_BASELINE, PINNED_YOUNG_GENERATION, SAME_LOGGER, SAME_LOGGER_BASELINE, throughputRow, type Throughput } from './measure-throughput.ts'
import { formatNumber } from './print-table.ts'

const GOAL_THROUGHPUT_RATIO = 0.95

/** The fastest and slowest run of each side, req/s: the ranges behind the medians. */
function ranges (ours: Throughput, baseline: Throughput): Readonly<Record<string, string>> {
  const range = (side: Throughput): string => `${formatNumber(side.min)}–${formatNumber(Math.max(...side.runs))}`
  return { 'range ours / baseline': `${range(ours)} / ${range(baseline)}` }
}

export const benchmark: Benchmark = {
  name: 'request-metrics',
  goal: `main-server throughput with the runner's request metrics >= ${GOAL_THROUGHPUT_RATIO}x bare Fastify (with the same logger), and above Fastify with fastify-metrics`,
  async run (): Promise<Row[]> {
    const silent = { log: { level: 'silent' } }
    const tuned = { nodeFlags: PINNED_YOUNG_GENERATION }
    const throughput = await compareThroughput({
      ours: { file: 'runner-server.ts', env: { BENCH_RUNNER_OPTIONS: JSON.stringify({ ...silent, debug: false, pressure: false }) }, ...tuned },
      fastifyMetrics: { file: 'fastify-server.ts', env: { ...SAME_LOGGER, BENCH_FASTIFY_METRICS: '1' }, ...tuned },
      baseline: { file: 'fastify-server.ts', env: SAME_LOGGER, ...tuned },
      builtins: { file: 'runner-server.ts', env: { BENCH_RUNNER_OPTIONS: JSON.stringify(silent) }, ...tuned },
      baselineNoLogger: { file: 'fastify-server.ts', ...tuned },
    }, HELLO_LOAD)
    const { ours, fastifyMetrics, baseline, builtins, baselineNoLogger } = throughput
    const how = `${describeLoad(HELLO_LOAD)}; every side runs with node ${PINNED_YOUNG_GENERATION.join(' ')} (see measure-throughput.ts)`
    const oursIs = 'ours: createRunner program with metrics at their defaults (request + process metrics) and the admin server on, pressure and debug off, log silent'
    const theirsIs = `fastify-metrics 12 on ${SAME_LOGGER_BASELINE}: its histogram with the runner's buckets, no summary, its default process metrics, /metrics on the same app (not scraped)`
    return [
      throughputRow('GET /hello, runner request metrics', ours, baseline, {
        goal: GOAL_THROUGHPUT_RATIO,
        columns: ranges(ours, baseline),
        note: `${how}; ${oursIs}; baseline: ${SAME_LOGGER_BASELINE}; ratio goal >= ${GOAL_THROUGHPUT_RATIO}`,
      }),
      throughputRow('GET /hello, fastify-metrics', fastifyMetrics, baseline, {
        columns: ranges(fastifyMetrics, baseline),
        note: `information only: ours: ${theirsIs}; baseline as row 1`,
      }),
      throughputRow('runner request metrics vs fastify-metrics', ours, fastifyMetrics, {
        goal: 1,
        columns: ranges(ours, fastifyMetrics),
        note: 'ours as row 1; baseline: the fastify-metrics side of row 2, in the same rounds; goal >= 1 (the runner keeps its own collection only while it is the faster)',
      }),
      throughputRow('GET /hello, all built-ins on', builtins, baseline, {
        columns: ranges(builtins, baseline),
        note: 'information only: as row 1 with every built-in at its default (admin, metrics, debug, pressure), log silent',
      }),
      throughputRow('as 1, baseline without logger', ours, baselineNoLogger, {
        columns: ranges(ours, baselineNoLogger),
        note: `information only: ours as row 1; baseline: ${NO_LOGGER_BASELINE}`,
      }),
    ]
  },
}
