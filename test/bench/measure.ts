// Times several subjects (ours, its baseline, ...) in one process, interleaved, and summarises
// each by median and minimum. Any benchmark can use it; it knows nothing of what it times.

/**
 * One timed run. It may return how long each of its phases took (ms), e.g. `{ start, stop }`;
 * the whole run is timed either way.
 */
export type Subject = () => Promise<void | Readonly<Record<string, number>>>

export interface Sample {
  /** Median of the timed runs, ms. */
  readonly median: number
  /** Fastest timed run, ms. */
  readonly min: number
  /** Every timed run, ms, in the order they ran. */
  readonly runs: readonly number[]
  /** Median of each phase the subject reported, ms. */
  readonly phases: Readonly<Record<string, number>>
}

export interface MeasureOptions {
  /** Untimed runs of each subject first, so the JIT has compiled the hot paths. */
  readonly warmup: number
  /** Timed runs of each subject. */
  readonly iterations: number
  /**
   * Whether to collect garbage before each run (default true; needs --expose-gc). A forced full
   * collection also throws away optimized code (V8 deoptimizes code whose embedded objects it
   * clears), so a subject that runs much JavaScript per run then re-warms the JIT in every run.
   */
  readonly collectGarbage?: boolean
  /**
   * What a run's time is: the whole call to the subject (default), or the sum of the phases it
   * reports (a subject that runs its work in another process reports the time measured there).
   */
  readonly timeBy?: 'call' | 'phases'
}

export function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * The median over rounds of ours / baseline within the round: subjects that ran in the same round
 * met the same machine, so a slow spell moves both sides of a round's ratio, and the median drops
 * the rounds it hit unevenly.
 */
export function pairedRatio (ours: { readonly runs: readonly number[] }, baseline: { readonly runs: readonly number[] }): number {
  return median(ours.runs.map((value, round) => value / baseline.runs[round]))
}

function sum (values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0)
}

/** Collects what the previous run left behind, when node runs with --expose-gc (the harness adds it). */
function collectGarbage (): void {
  globalThis.gc?.()
}

/**
 * Runs every subject `warmup + iterations` times. Subjects take turns within a round and the order
 * rotates each round, so no subject always runs first (on a fresher heap) or last.
 */
export async function measure<K extends string> (subjects: Readonly<Record<K, Subject>>, options: MeasureOptions): Promise<Record<K, Sample>> {
  const names = Object.keys(subjects) as K[]
  const runs = new Map<K, number[]>(names.map((name) => [name, []]))
  const phases = new Map<K, Map<string, number[]>>(names.map((name) => [name, new Map()]))
  for (let round = 0; round < options.warmup + options.iterations; round++) {
    const isTimed = round >= options.warmup
    for (let turn = 0; turn < names.length; turn++) {
      const name = names[(round + turn) % names.length]
      if (options.collectGarbage !== false) collectGarbage()
      const begin = performance.now()
      const reported = await subjects[name]()
      const elapsed = performance.now() - begin
      if (!isTimed) continue
      runs.get(name)?.push(options.timeBy === 'phases' ? sum(Object.values(reported ?? {})) : elapsed)
      const byPhase = phases.get(name) as Map<string, number[]>
      for (const [phase, ms] of Object.entries(reported ?? {})) byPhase.set(phase, [...(byPhase.get(phase) ?? []), ms])
    }
  }
  if (options.collectGarbage !== false) collectGarbage()
  const result = {} as Record<K, Sample>
  for (const name of names) {
    const timed = runs.get(name) as number[]
    const byPhase = phases.get(name) as Map<string, number[]>
    result[name] = {
      median: median(timed),
      min: Math.min(...timed),
      runs: timed,
      phases: Object.fromEntries([...byPhase].map(([phase, values]) => [phase, median(values)])),
    }
  }
  return result
}
