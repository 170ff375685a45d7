// What logging into the journal costs a server: main-server throughput with log records at info
// sent to a journal socket (a receiver in a temporary directory, read by this process, as journald
// reads its own), against the same runner logging at info to stdout (/dev/null). Each request logs
// two records (incoming request, request completed), so the ratio is what two records cost it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DgramSocket } from 'node-unix-socket'
import type { Benchmark } from './benchmark.ts'
import { compareThroughput, describeLoad, HELLO_LOAD, PINNED_YOUNG_GENERATION, throughputRow } from './measure-throughput.ts'
import { formatNumber } from './print-table.ts'

export const benchmark: Benchmark = {
  name: 'journal',
  goal: 'information: main-server throughput logging at info into the journal, against logging at info to stdout',
  async run () {
    const dir = mkdtempSync(join(tmpdir(), 'fsr-bench-journal-'))
    const socket = join(dir, 'journal.sock')
    const receiver = new DgramSocket()
    receiver.bind(socket)
    let records = 0
    receiver.on('data', () => { records++ })
    try {
      // As the metrics row runs its runner: metrics and admin at their defaults, pressure and debug off.
      const options = (destination: string) => JSON.stringify({ log: { level: 'info', destination, journal: { socket } }, debug: false, pressure: false })
      const tuned = { nodeFlags: PINNED_YOUNG_GENERATION }
      const throughput = await compareThroughput({
        journal: { file: 'runner-server.ts', env: { BENCH_RUNNER_OPTIONS: options('journal') }, ...tuned },
        stdout: { file: 'runner-server.ts', env: { BENCH_RUNNER_OPTIONS: options('stdout') }, ...tuned },
      }, HELLO_LOAD)
      const timed = throughput.journal.runs.reduce((sum, perSecond) => sum + perSecond, 0) * HELLO_LOAD.seconds
      return [
        throughputRow('GET /hello, log info into the journal', throughput.journal, throughput.stdout, {
          columns: { 'journal records': `${formatNumber(records)} (timed requests: ${formatNumber(timed)})` },
          note: `${describeLoad(HELLO_LOAD)}; both sides run with node ${PINNED_YOUNG_GENERATION.join(' ')}; ours: createRunner program logging at info with log.destination journal, to a socket this process reads (records count the warm-ups too: about two a request); baseline: the same program with log.destination stdout, its stdout on /dev/null`,
        }),
      ]
    } finally {
      receiver.close()
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
