// Runs `fsr` (cli/fsr.ts) as a real process and collects what it printed and its exit code.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export function runCli (args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  // Variables of the test's own environment must not pick the admin server or the token.
  const { FSR_ADMIN_URL, FSR_ADMIN_TOKEN, ...base } = process.env
  void FSR_ADMIN_URL
  void FSR_ADMIN_TOKEN
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'cli/fsr.ts', ...args], { cwd: root, env: { ...base, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null
      resolve({ code, stdout, stderr })
    })
  })
}
