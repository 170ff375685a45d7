// The dashboard's costs. 1) Main-server throughput while 10 clients stay connected to the admin
// server's /events (samples once a second, every event), against the same program with none.
// 2) The time from health.report() to the event reaching an SSE client, with 1,000 services,
// against the same JSON written straight to a bare node:http event stream in the same process.
import { once } from 'node:events'
import { createServer, get, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Row } from './benchmark.ts'
import { createRunner, defineService, type ServiceContext } from '../../lib/index.ts'
import { median } from './measure.ts'
import { compareThroughput, describeLoad, HELLO_LOAD, PINNED_YOUNG_GENERATION, throughputRow } from './measure-throughput.ts'
import { createNullLogger } from './null-logger.ts'
import { formatNumber } from './print-table.ts'

const CLIENTS = 10
const SERVICES = 1_000
const REPORTS = 200
const GOAL_THROUGHPUT_RATIO = 0.98
const GOAL_LATENCY_MS = 50

/** Resolves with the time the next chunk containing `marker` arrives on `stream`. */
function arrival (stream: NodeJS.ReadableStream, marker: string): Promise<number> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      if (!chunk.includes(marker)) return
      stream.off('data', onData)
      resolve(performance.now())
    }
    stream.on('data', onData)
  })
}

function openStream (port: number): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => get(`http://127.0.0.1:${port}/events`, resolve).on('error', reject))
}

/** Milliseconds from each report to its event on the client, REPORTS times. */
export async function measureLatency (): Promise<{ ours: number[], baseline: number[] }> {
  let source: ServiceContext | undefined
  const runner = createRunner({ server: false, signals: false, logger: createNullLogger('info'), admin: { port: 0 }, pressure: false })
  runner.register(defineService({ name: 'source', init: (ctx) => { source = ctx } }))
  for (let i = 0; i < SERVICES - 1; i++) runner.register(defineService({ name: `service-${i}`, async init () {} }))
  await runner.start()
  const { port } = runner.admin!.server.address() as AddressInfo
  const stream = await openStream(port)
  await arrival(stream, 'event: snapshot')

  // The floor: the same kind of message through a bare node:http event stream.
  let client: ServerResponse | undefined
  const bare = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders()
    client = response
  }).listen(0, '127.0.0.1')
  await once(bare, 'listening')
  const bareStream = await openStream((bare.address() as AddressInfo).port)
  const ours: number[] = []
  const baseline: number[] = []
  try {
    for (let i = 0; i < REPORTS; i++) {
      const reason = `report ${i}`
      let arrived = arrival(stream, reason)
      let sent = performance.now()
      source!.health.report('degraded', { reason })
      ours.push(await arrived - sent)
      arrived = arrival(bareStream, reason)
      sent = performance.now()
      client!.write(`id: ${i}\nevent: health\ndata: ${JSON.stringify({ service: 'source', status: 'degraded', reason })}\n\n`)
      baseline.push(await arrived - sent)
      source!.health.report('healthy')
    }
  } finally {
    bare.closeAllConnections()
    bare.close()
    await runner.stop()
  }
  return { ours, baseline }
}

export const benchmark = {
  name: 'dashboard',
  goal: `main-server throughput with ${CLIENTS} dashboard clients >= ${GOAL_THROUGHPUT_RATIO}x the same program without; health.report() to an SSE client < ${GOAL_LATENCY_MS} ms with ${SERVICES} services`,
  async run (): Promise<Row[]> {
    const options = JSON.stringify({ admin: { port: 0 } })
    const tuned = { nodeFlags: PINNED_YOUNG_GENERATION }
    const throughput = await compareThroughput({
      ours: { file: 'runner-server.ts', env: { BENCH_RUNNER_OPTIONS: options }, eventClients: CLIENTS, ...tuned },
      baseline: { file: 'runner-server.ts', env: { BENCH_RUNNER_OPTIONS: options }, ...tuned },
    }, HELLO_LOAD)
    const latency = await measureLatency()
    const p99 = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)]!
    return [
      throughputRow(`main server, ${CLIENTS} clients on /events`, throughput.ours, throughput.baseline, {
        goal: GOAL_THROUGHPUT_RATIO,
        note: `${describeLoad(HELLO_LOAD)}; ours: the runner with every built-in on and ${CLIENTS} clients connected to the admin server's /events for the whole round (process samples once a second); baseline: the same program with no client`,
      }),
      {
        label: `health.report() to an SSE client, ${SERVICES} services`,
        ours: { median: median(latency.ours), min: Math.min(...latency.ours), unit: 'ms' },
        baseline: { median: median(latency.baseline), min: Math.min(...latency.baseline), unit: 'ms' },
        columns: { 'p99 ours / baseline': `${formatNumber(p99(latency.ours))} / ${formatNumber(p99(latency.baseline))} ms` },
        isMet: p99(latency.ours) < GOAL_LATENCY_MS,
        note: `${REPORTS} reports, each timed from report() to the chunk with the event arriving on a node:http client of /events in the same process (the dashboard's way: health event, event log, SSE frame); baseline: the same kind of frame written straight to a bare node:http event stream; judged on the p99`,
      },
    ]
  },
}
