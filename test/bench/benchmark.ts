// The contract between the bench harness (index.ts) and one benchmark module: what a module
// exports, and the rows it hands back to be printed. To add a benchmark, write
// `test/bench/<name>.bench.ts` exporting `benchmark` and list the file in index.ts.

/** One measured quantity. Timings carry the median and the fastest run; derived values only a median. */
export interface Measure {
  readonly median: number
  readonly min?: number
  /** Printed after the number: 'ms', 'µs', 'x', 'req/s', ... */
  readonly unit: string
}

/** One line of a benchmark's table: our code and its baseline, measured in the same process run. */
export interface Row {
  /** What the row measured, short: 'N=10,000, log silent'. */
  readonly label: string
  readonly ours: Measure
  readonly baseline: Measure
  /** ours / baseline when it is not the ratio of the two medians (throughput: the median of paired runs). */
  readonly ratio?: number
  /** Extra columns, already formatted; the rows of one benchmark should share the same keys. */
  readonly columns?: Readonly<Record<string, string>>
  /** Whether the row meets the benchmark's goal; undefined for a row that is information only. */
  readonly isMet?: boolean
  /** Printed under the table: what exactly ours and the baseline were for this row. */
  readonly note?: string
}

/** What a `*.bench.ts` module exports as `benchmark`. */
export interface Benchmark {
  /** Kebab-case; `npm run bench -- <text>` runs the benchmarks whose name contains the text. */
  readonly name: string
  /** The goal in words, printed above the table ('within 1.25x of bare Fastify, growing linearly'). */
  readonly goal: string
  /** Measures, in a process of its own (the harness forks one per benchmark), and returns the rows. */
  run (): Promise<Row[]>
}
