// What the services see as `app.store`: the part of a PostgreSQL client the example uses. Both
// engines give it: the embedded PGlite (through its store process) and a real PostgreSQL (`pg`).

export interface QueryResult<Row> {
  readonly rows: Row[]
}

export interface Store {
  /** One statement with `$1`-style parameters; without parameters, several statements may run at once. */
  query<Row = Record<string, unknown>> (text: string, params?: readonly unknown[]): Promise<QueryResult<Row>>
  /** Releases the store; queries after it fail. */
  close (): Promise<void>
}
