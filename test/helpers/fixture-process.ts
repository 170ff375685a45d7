// Spawns a fixture program as a real process and reads its JSON log lines as they come.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'node:test'

export interface Fixture {
  readonly child: ChildProcess
  readonly lines: Array<Record<string, unknown>>
  /** Resolves with the first log line (past or future) that matches, or rejects after `ms`. */
  waitForLine (match: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>
  /** Resolves with the exit code or signal once the process has exited and every log line is read. */
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  readonly stderr: () => string
  /** stderr and every log line so far, for assertion messages. */
  readonly describe: () => string
}

const root = fileURLToPath(new URL('../../', import.meta.url))

export function startFixture (t: TestContext, file: string, env: Record<string, string> = {}): Fixture {
  // A bare name is a program of test/fixtures/; a path is relative to the repository.
  const program = file.includes('/') ? file : `test/fixtures/${file}`
  const child = spawn(process.execPath, ['--import', 'tsx', program], {
    cwd: root,
    // Port 0 for the admin server: fixtures run side by side.
    env: { ...process.env, FSR_ADMIN_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: Array<Record<string, unknown>> = []
  const waiters = new Set<() => void>()
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  // Output ends when every holder of the pipe is gone (later generations of an upgrade share it).
  let isOutputOver = false
  const output = createInterface({ input: child.stdout! })
  output.on('close', () => {
    isOutputOver = true
    for (const wake of waiters) wake()
  })
  output.on('line', (text) => {
    try {
      lines.push(JSON.parse(text))
    } catch {
      lines.push({ msg: '(not json)', text })
    }
    for (const wake of waiters) wake()
  })
  // 'close' comes once the process has exited and its output is read to the end.
  const exited = once(child, 'close').then(([code, signal]) => ({ code, signal }))
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })

  function waitForLine (match: (line: Record<string, unknown>) => boolean, ms = 15_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = lines.find(match)
        if (found === undefined) return false
        cleanup()
        resolve(found)
        return true
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`no matching log line within ${ms} ms; stderr:\n${stderr}\nlines:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`))
      }, ms)
      const cleanup = (): void => { clearTimeout(timer); waiters.delete(wake) }
      const wake = (): void => {
        if (check() || !isOutputOver) return
        cleanup()
        reject(new Error(`output ended before the log line; stderr:\n${stderr}`))
      }
      if (check()) return
      waiters.add(wake)
      wake()
    })
  }

  const describe = (): string => `stderr:\n${stderr}\nlog:\n${lines.map((line) => JSON.stringify(line)).join('\n')}`
  return { child, lines, waitForLine, exited, stderr: () => stderr, describe }
}

/** Polls `predicate` until it holds, or fails after `ms`. For state that has no event to wait on. */
export async function waitFor (predicate: () => boolean, ms = 5_000, step = 5): Promise<void> {
  const until = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, step))
  }
}
