// What telemetry costs the main server: its throughput traced (always-on sampler, batch export to
// an OTLP/HTTP receiver on loopback) against bare Fastify traced by @fastify/otel set up the same
// way, and with telemetry configured but no exporter against bare Fastify.
import { createServer } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import type { Benchmark } from './benchmark.ts'
import { compareThroughput, describeLoad, HELLO_LOAD, PINNED_YOUNG_GENERATION, SAME_LOGGER, SAME_LOGGER_BASELINE, throughputRow } from './measure-throughput.ts'

const GOAL_TRACED_RATIO = 0.95
const GOAL_UNTRACED_RATIO = 0.97
/** The runner with telemetry alone among the built-ins, log silent. */
const TELEMETRY_ONLY = JSON.stringify({ log: { level: 'silent' }, admin: false, metrics: false, debug: false, pressure: false })

/** Answers every export at once, reading and dropping the body; counts them. */
async function startSink (): Promise<{ endpoint: string, exports: () => number, close: () => Promise<void> }> {
  let exports = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      exports++
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exports: () => exports,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

export const benchmark: Benchmark = {
  name: 'telemetry',
  goal: `main-server throughput traced >= ${GOAL_TRACED_RATIO}x bare Fastify traced by @fastify/otel set up the same way; with telemetry configured and no exporter >= ${GOAL_UNTRACED_RATIO}x bare Fastify (same logger)`,
  async run () {
    const sink = await startSink()
    try {
      const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_TRACES_SAMPLER: 'always_on', OTEL_METRICS_EXPORTER: 'none' }
      const tuned = { nodeFlags: PINNED_YOUNG_GENERATION }
      const throughput = await compareThroughput({
        ours: { file: 'runner-server.ts', env: { BENCH_RUNNER_OPTIONS: TELEMETRY_ONLY, ...traced }, ...tuned },
        baseline: { file: 'fastify-otel-server.ts', env: { ...SAME_LOGGER, ...traced }, ...tuned },
        untraced: { file: 'runner-server.ts', env: { BENCH_RUNNER_OPTIONS: TELEMETRY_ONLY, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' }, ...tuned },
        bare: { file: 'fastify-server.ts', env: SAME_LOGGER, ...tuned },
      }, HELLO_LOAD)
      const how = `${describeLoad(HELLO_LOAD)}; every side runs with node ${PINNED_YOUNG_GENERATION.join(' ')}; ours: createRunner program with telemetry the only built-in, log silent`
      return [
        throughputRow('GET /hello, traced', throughput.ours, throughput.baseline, {
          goal: GOAL_TRACED_RATIO,
          columns: { exports: String(sink.exports()) },
          note: `${how}, spans exported over OTLP/HTTP protobuf with the always-on sampler to a receiver in the benchmark process (exports: requests it answered, both sides); baseline: ${SAME_LOGGER_BASELINE}, traced by @fastify/otel with the same SDK set-up (see fixtures/fastify-otel-server.ts); ratio goal >= ${GOAL_TRACED_RATIO}`,
        }),
        throughputRow('GET /hello, no exporter', throughput.untraced, throughput.bare, {
          goal: GOAL_UNTRACED_RATIO,
          columns: { exports: '-' },
          note: `as row 1 with OTEL_TRACES_EXPORTER=none and OTEL_METRICS_EXPORTER=none (the SDK is not loaded); baseline: ${SAME_LOGGER_BASELINE}; ratio goal >= ${GOAL_UNTRACED_RATIO}`,
        }),
      ]
    } finally {
      await sink.close()
    }
  },
}
