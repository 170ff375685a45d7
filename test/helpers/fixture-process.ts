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
  /** Resolves with the exit code (or 128 + signal number) once the process has exited. */
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  readonly stderr: () => string
}

const root = fileURLToPath(new URL('../../', import.meta.url))

export function startFixture (t: TestContext, file: string, env: Record<string, string> = {}): Fixture {
  const child = spawn(process.execPath, ['--import', 'tsx', `test/fixtures/${file}`], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: Array<Record<string, unknown>> = []
  const waiters = new Set<() => void>()
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text))
    } catch {
      lines.push({ msg: '(not json)', text })
    }
    for (const wake of waiters) wake()
  })
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }))
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
      const onExit = (): void => { if (!check()) { cleanup(); reject(new Error(`process exited before the log line; stderr:\n${stderr}`)) } }
      const cleanup = (): void => { clearTimeout(timer); waiters.delete(wake); child.off('exit', onExit) }
      const wake = (): void => { check() }
      if (check()) return
      waiters.add(wake)
      child.once('exit', onExit)
    })
  }

  return { child, lines, waitForLine, exited, stderr: () => stderr }
}

/** Polls `predicate` until it holds, or fails after `ms`. For state that has no event to wait on. */
export async function waitFor (predicate: () => boolean, ms = 5_000, step = 5): Promise<void> {
  const until = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, step))
  }
}
