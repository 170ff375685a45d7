// A strict HTTP client for load through shutdowns and upgrades: keep-alive, several connections,
// never a retry. Every failure (reset, refused, non-2xx) is counted, never hidden.
import http from 'node:http'

export interface LoadResult {
  readonly ok: number
  readonly failures: readonly string[]
  /** Responses per answering pid. */
  readonly byPid: ReadonlyMap<number, number>
}

export interface Load {
  /** Responses so far per pid. */
  readonly byPid: Map<number, number>
  stop (): Promise<LoadResult>
}

/** Sends `GET path` in `connections` loops until stopped; responses must be JSON with a `pid`. */
export function startLoad (port: number, path: string, connections = 4): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  const byPid = new Map<number, number>()
  const failures: string[] = []
  let ok = 0
  let isStopped = false

  const once = (): Promise<void> => new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => {
        if (res.statusCode !== 200) failures.push(`status ${res.statusCode}: ${body}`)
        else {
          ok++
          const { pid } = JSON.parse(body) as { pid: number }
          byPid.set(pid, (byPid.get(pid) ?? 0) + 1)
        }
        resolve()
      })
      res.on('error', (err) => { failures.push(`response: ${err.message}`); resolve() })
    })
    req.on('error', (err) => { failures.push(`request: ${(err as NodeJS.ErrnoException).code ?? err.message}`); resolve() })
  })

  const loops = Array.from({ length: connections }, async () => {
    while (!isStopped) await once()
  })

  return {
    byPid,
    async stop () {
      isStopped = true
      await Promise.all(loops)
      agent.destroy()
      return { ok, failures, byPid }
    },
  }
}
