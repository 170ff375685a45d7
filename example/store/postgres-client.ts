// The store on a real PostgreSQL (DATABASE_URL): a `pg` pool. The SQL is the same as on PGlite.
import pg from 'pg'
import type { QueryResult, Store } from './store.ts'

export class PostgresStore implements Store {
  readonly #pool: pg.Pool

  /** `onError`: an idle connection failed (the server restarted, say); the pool makes a new one when needed. */
  constructor (url: string, onError: (err: Error) => void) {
    this.#pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 })
    // Without a listener, an idle client's error (a restart of the server) would be thrown as uncaught.
    this.#pool.on('error', onError)
  }

  async query<Row = Record<string, unknown>> (text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    const { rows } = await this.#pool.query(text, params === undefined ? undefined : [...params])
    return { rows: rows as Row[] }
  }

  async close (): Promise<void> {
    await this.#pool.end()
  }
}
