// A strict HTTP client for load through shutdowns and upgrades: keep-alive, several connections,
// never a retry. Every failure (reset, refused, non-2xx) is counted, never hidden.
import http from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'

/** After a failed request a connection waits this long before its next one (it never retries the failed one). */
export const FAILURE_PACE_MS = 10

export interface LoadResult {
  readonly ok: number
  /** Each failure with the performance.now() it happened at. */
  readonly failures: ReadonlyArray<{ readonly at: number, readonly what: string }>
  /** performance.now() of every successful response, in the order they arrived. */
  readonly answeredAt: readonly number[]
  /** Responses per answering pid. */
  readonly byPid: ReadonlyMap<number, number>
}

export interface Load {
  /** Successful responses so far per answering pid. */
  readonly byPid: ReadonlyMap<number, number>
  /** performance.now() of every successful response so far. */
  readonly answeredAt: readonly number[]
  stop (): Promise<LoadResult>
}

/** Sends `GET path` in `connections` loops until stopped; responses must be JSON with a `pid`. */
export function startLoad (port: number, path: string, connections = 4): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  const byPid = new Map<number, number>()
  const failures: Array<{ at: number, what: string }> = []
  const answeredAt: number[] = []
  let isStopped = false

  const fail = (what: string): void => { failures.push({ at: performance.now(), what }) }
  const requestOnce = (): Promise<boolean> => new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => {
        if (res.statusCode !== 200) {
          fail(`status ${res.statusCode}: ${body}`)
          return resolve(false)
        }
        answeredAt.push(performance.now())
        const { pid } = JSON.parse(body) as { pid: number }
        byPid.set(pid, (byPid.get(pid) ?? 0) + 1)
        resolve(true)
      })
      res.on('error', (err) => { fail(`response: ${err.message}`); resolve(false) })
    })
    req.on('error', (err) => { fail(`request: ${(err as NodeJS.ErrnoException).code ?? err.message}`); resolve(false) })
  })

  const loops = Array.from({ length: connections }, async () => {
    while (!isStopped) {
      if (!await requestOnce()) await delay(FAILURE_PACE_MS)
    }
  })

  return {
    byPid,
    answeredAt,
    async stop () {
      isStopped = true
      await Promise.all(loops)
      agent.destroy()
      return { ok: answeredAt.length, failures, answeredAt, byPid }
    },
  }
}
