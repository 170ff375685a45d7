// `npm run bench [-- <name> ...]`: runs the benchmarks listed below in order, each in a fresh
// process of its own (its own heap and JIT state, and a crash ends only that benchmark), and prints
// one table per benchmark. Missing a goal is reported, never an error: the exit code is 0 unless a
// benchmark crashed (1) or a name matched nothing (2).
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { arch, availableParallelism, cpus, platform } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Benchmark, Row } from './benchmark.ts'
import { formatTable } from './print-table.ts'
import { buildFixtures } from './spawn-program.ts'

/** Every benchmark module (exporting `benchmark`), in the order they run. Add new ones here. */
const MODULES: readonly string[] = [
  './start-stop.bench.ts',
  './shutdown.bench.ts',
  './upgrade.bench.ts',
  './health.bench.ts',
  './metrics.bench.ts',
  './request-metrics.bench.ts',
  './watch.bench.ts',
  './topics.bench.ts',
  './dashboard.bench.ts',
  './journal.bench.ts',
  './telemetry.bench.ts',
]

/** A benchmark still running after this long is killed and reported as failed. */
const TIME_LIMIT_MS = 300_000
/** Argument that makes this file run one benchmark module and send its rows to the parent. */
const RUN_ONE = '--run-one'

interface Outcome {
  readonly rows?: Row[]
  readonly error?: string
}

async function load (file: string): Promise<Benchmark> {
  const module = await import(new URL(file, import.meta.url).href) as { benchmark?: Benchmark }
  if (module.benchmark === undefined) throw new Error(`${file} exports no \`benchmark\``)
  return module.benchmark
}

/** In the forked process: run one benchmark and send what it found back. */
async function runOne (file: string): Promise<void> {
  let outcome: Outcome
  try {
    outcome = { rows: await (await load(file)).run() }
  } catch (err) {
    outcome = { error: err instanceof Error ? (err.stack ?? err.message) : String(err) }
  }
  // Exit as soon as the parent has the rows: whatever a benchmark left open must not hold the run up.
  process.send?.(outcome, () => process.exit(0))
}

/** In the parent: fork this file for one benchmark and wait for its rows (or its failure). */
async function runIsolated (file: string): Promise<Outcome> {
  const child = fork(fileURLToPath(import.meta.url), [RUN_ONE, file], {
    // Keeps the tsx loader; --expose-gc lets measure() collect garbage between runs.
    execArgv: [...process.execArgv, '--expose-gc'],
    timeout: TIME_LIMIT_MS,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let outcome: Outcome | undefined
  child.on('message', (message) => { outcome = message as Outcome })
  const [code, signal] = await once(child, 'exit') as [number | null, NodeJS.Signals | null]
  if (outcome !== undefined) return outcome
  const reason = signal === 'SIGTERM' ? `killed after ${TIME_LIMIT_MS / 1000} s` : `exited with ${signal ?? `code ${code}`}`
  return { error: `benchmark process ${reason} before reporting (see its stderr above)` }
}

function describeMachine (): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown cpu'
  return `node ${process.version} on ${platform()} ${arch()}, ${cpu}, ${availableParallelism()} cores`
}

async function main (argv: readonly string[]): Promise<number> {
  const filters = argv.filter((arg) => !arg.startsWith('-'))
  const all = await Promise.all(MODULES.map(async (file) => ({ file, benchmark: await load(file) })))
  const selected = filters.length === 0 ? all : all.filter(({ benchmark }) => filters.some((text) => benchmark.name.includes(text)))
  if (selected.length === 0) {
    process.stderr.write(`no benchmark matches ${filters.join(', ')}; known: ${all.map(({ benchmark }) => benchmark.name).join(', ')}\n`)
    return 2
  }
  process.stdout.write(`# benchmarks: ${selected.map(({ benchmark }) => benchmark.name).join(', ')}\n${describeMachine()}\n\n`)
  // Here, once: the forked benchmark processes inherit the environment that says it is done.
  buildFixtures()
  let failures = 0
  for (const { file, benchmark } of selected) {
    process.stdout.write(`running ${benchmark.name} ...\n`)
    const begin = performance.now()
    const { rows, error } = await runIsolated(file)
    const seconds = (performance.now() - begin) / 1000
    if (rows === undefined) {
      failures++
      process.stdout.write(`## ${benchmark.name}  FAILED after ${seconds.toFixed(1)} s\n${error ?? 'no rows'}\n\n`)
    } else process.stdout.write(`\n${formatTable(benchmark, rows, seconds)}\n`)
  }
  return failures === 0 ? 0 : 1
}

if (process.argv[2] === RUN_ONE) await runOne(process.argv[3])
else process.exitCode = await main(process.argv.slice(2))
