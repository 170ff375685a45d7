// Runs a bench fixture (test/bench/fixtures/*.ts) as a real process and timestamps what it prints:
// every line of stdout and stderr, parsed as JSON when it is, with the moment it arrived. Fixtures
// announce themselves on stderr (`{"event":"listening",...}`); a runner's own log lines go to stdout.
//
// The fixtures run compiled by tsc, as a user's program would, not through tsx: with tsx's loader
// in the process, two runs of the very same server program differed by up to 25 % in throughput,
// steadily for the life of each process, which drowned the costs the benchmarks compare.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isAlive } from '../../lib/process-control.ts'

export type Json = Readonly<Record<string, unknown>>

export interface Line {
  /** performance.now() when the line arrived. */
  readonly at: number
  readonly stream: 'stdout' | 'stderr'
  /** The line parsed as a JSON object, or undefined for plain text. */
  readonly json: Json | undefined
  readonly text: string
}

/** A line that matched a wait: always JSON. */
export interface JsonLine extends Line {
  readonly json: Json
}

export interface Exit {
  /** performance.now() when the process exited. */
  readonly at: number
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface Program {
  readonly child: ChildProcess
  readonly pid: number
  readonly lines: readonly Line[]
  /** Resolves with the first JSON line (past or future) that matches, or rejects after `ms`. */
  waitForLine (match: (json: Json) => boolean, ms?: number): Promise<JsonLine>
  /** Resolves with the first `count` JSON lines that match, once there are that many, or rejects after `ms`. */
  waitForLines (match: (json: Json) => boolean, count: number, ms?: number): Promise<JsonLine[]>
  /** Resolves once this process (not its descendants) has exited. */
  readonly exited: Promise<Exit>
  /** Resolves once stdout and stderr are closed: every process holding them (later upgrade generations) is gone. */
  readonly closed: Promise<void>
  /** Everything printed so far, for an error message. */
  transcript (): string
}

export interface SpawnOptions {
  readonly env?: Readonly<Record<string, string>>
  /** 'ignore' sends stdout to /dev/null (a throughput run must not be slowed by a reader). Default 'pipe'. */
  readonly stdout?: 'pipe' | 'ignore'
  /** Runs the program on this CPU only (through `taskset`, which must exist). */
  readonly cpu?: number
  /** Options for node itself (V8 flags), before the program. */
  readonly nodeFlags?: readonly string[]
}

const root = fileURLToPath(new URL('../../', import.meta.url))
/** Where the fixtures are compiled to, with the sources they import. */
const build = join(root, 'node_modules', '.cache', 'fsr-bench')
/** Set by the process that compiled them, so the benchmark processes it forks do not compile again. */
const BUILT_ENV = 'FSR_BENCH_FIXTURES_BUILT'

/** Compiles the fixtures and the sources they import with the project's own compiler options, once per `npm run bench`. */
export function buildFixtures (): void {
  if (process.env[BUILT_ENV] === '1') return
  rmSync(build, { recursive: true, force: true })
  mkdirSync(build, { recursive: true })
  const up = '../../..'
  writeFileSync(join(build, 'tsconfig.json'), JSON.stringify({
    extends: `${up}/tsconfig.json`,
    compilerOptions: { noEmit: false, declaration: false, rootDir: up, outDir: './out' },
    include: [`${up}/test/bench/fixtures`, `${up}/test/bench/measure.ts`, `${up}/test/bench/null-logger.ts`, `${up}/lib`, `${up}/plugins`, `${up}/types`],
  }))
  const tsc = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(build, 'tsconfig.json')], { encoding: 'utf8' })
  if (tsc.status !== 0) throw new Error(`compiling the bench fixtures failed:\n${tsc.stdout}${tsc.stderr}${tsc.error?.message ?? ''}`)
  // The one asset tsc does not emit, as `npm run build` copies it.
  copyFileSync(join(root, 'plugins', 'dashboard', 'page.html'), join(build, 'out', 'plugins', 'dashboard', 'page.html'))
  process.env[BUILT_ENV] = '1'
}

/**
 * The compiled form of a source module (`lib/index.ts`, from the package root), for a benchmark
 * that times our code in its own process: as users run it (tsc's output), not as tsx rewrites it.
 */
export function compiledModule (source: string): string {
  buildFixtures()
  return pathToFileURL(join(build, 'out', source.replace(/\.ts$/, '.js'))).href
}

/** Starts `node <compiled test/bench/fixtures/<file>>` from the package root. */
export function spawnProgram (file: string, { env = {}, stdout = 'pipe', cpu, nodeFlags = [] }: SpawnOptions = {}): Program {
  buildFixtures()
  const command = [process.execPath, ...nodeFlags, join(build, 'out', 'test', 'bench', 'fixtures', file.replace(/\.ts$/, '.js'))]
  // taskset execs the program: the child's pid is the program's.
  const [executable, ...args] = cpu === undefined ? command : ['taskset', '-c', String(cpu), ...command]
  const child = spawn(executable, args, {
    cwd: root,
    // Port 0 for the admin server: programs run side by side.
    env: { ...process.env, FSR_ADMIN_PORT: '0', ...env },
    stdio: ['ignore', stdout, 'pipe'],
  })
  if (child.pid === undefined) throw new Error(`could not start ${file}`)
  const lines: Line[] = []
  const waiters = new Set<() => void>()
  let isOutputOver = false
  const read = (stream: NodeJS.ReadableStream, name: Line['stream']): Promise<void> => {
    const reader = createInterface({ input: stream })
    reader.on('line', (text) => {
      let json: Json | undefined
      try {
        const parsed: unknown = JSON.parse(text)
        if (parsed !== null && typeof parsed === 'object') json = parsed as Json
      } catch {}
      lines.push({ at: performance.now(), stream: name, json, text })
      for (const wake of waiters) wake()
    })
    return once(reader, 'close').then(() => {})
  }
  const closed = Promise.all([
    child.stdout === null ? Promise.resolve() : read(child.stdout, 'stdout'),
    read(child.stderr!, 'stderr'),
  ]).then(() => {
    isOutputOver = true
    for (const wake of waiters) wake()
  })
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ at: performance.now(), code, signal }))
  })
  const transcript = (): string => lines.map((line) => `${line.stream}: ${line.text}`).join('\n')

  function waitForLines (match: (json: Json) => boolean, count: number, ms = 20_000): Promise<JsonLine[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`${file}: not ${count} matching lines within ${ms} ms\n${transcript()}`)), ms)
      const finish = (outcome: JsonLine[] | Error): void => {
        clearTimeout(timer)
        waiters.delete(wake)
        if (outcome instanceof Error) reject(outcome)
        else resolve(outcome)
      }
      // Each line is matched once, however many arrive while we wait.
      const found: JsonLine[] = []
      let scanned = 0
      const wake = (): void => {
        for (; scanned < lines.length && found.length < count; scanned++) {
          const line = lines[scanned]
          if (line.json !== undefined && match(line.json)) found.push(line as JsonLine)
        }
        if (found.length >= count) finish(found)
        else if (isOutputOver) finish(new Error(`${file}: output ended before ${count} matching lines\n${transcript()}`))
      }
      waiters.add(wake)
      wake()
    })
  }

  const waitForLine = async (match: (json: Json) => boolean, ms?: number): Promise<JsonLine> => (await waitForLines(match, 1, ms))[0]

  return { child, pid: child.pid, lines, waitForLine, waitForLines, exited, closed, transcript }
}

/** Whether `pid` is a live process (a zombie counts as gone): the runner's own check. */
export { isAlive }

/**
 * Polls until `pid` is gone, every `step` ms for at most `ms` (for a process that is not our child,
 * so has no exit event); resolves with performance.now() at the first poll that found it gone.
 */
export async function waitForExit (pid: number, ms = 15_000, step = 2): Promise<number> {
  const until = performance.now() + ms
  while (isAlive(pid)) {
    if (performance.now() > until) throw new Error(`process ${pid} still running after ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, step))
  }
  return performance.now()
}

/** Kills `pid` with SIGKILL if it still runs; for cleanup after a failed or bounded run. */
export function killIfAlive (pid: number): void {
  try {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL')
  } catch {}
}

/** The `{"event":"listening"}` line a fixture prints on stderr once it serves. */
export function isListening (json: Json): boolean {
  return json.event === 'listening'
}
