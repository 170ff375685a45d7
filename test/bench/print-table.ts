// Turns one benchmark's rows into the plain-text table `npm run bench` prints.
import type { Benchmark, Row } from './benchmark.ts'

/** Three significant digits or so: 1234 ms, 123 ms, 12.3 ms, 1.23 ms. */
export function formatNumber (value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

function formatMeasure (value: number | undefined, unit: string): string {
  return value === undefined ? '-' : `${formatNumber(value)} ${unit}`
}

function formatRatio ({ ours, baseline, ratio }: Pick<Row, 'ours' | 'baseline' | 'ratio'>): string {
  if (ratio !== undefined) return `${ratio.toFixed(2)}x`
  return baseline.median === 0 ? '-' : `${(ours.median / baseline.median).toFixed(2)}x`
}

function formatVerdict (row: Row): string {
  if (row.isMet === undefined) return 'info'
  return row.isMet ? 'met' : 'MISSED'
}

/** Pads every column to its widest cell; numbers are right-aligned, the first column left-aligned. */
function layout (header: readonly string[], body: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((cell, i) => Math.max(cell.length, ...body.map((row) => row[i].length)))
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd()
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)]
}

/** The table of one benchmark: a heading with its goal, one line per row, then the rows' notes. */
export function formatTable (benchmark: Pick<Benchmark, 'name' | 'goal'>, rows: readonly Row[], seconds: number): string {
  const extra = [...new Set(rows.flatMap((row) => Object.keys(row.columns ?? {})))]
  const header = ['case', 'ours (median)', 'ours (min)', 'baseline (median)', 'baseline (min)', 'ours/baseline', ...extra, 'goal']
  const body = rows.map((row, i) => [
    `${i + 1}. ${row.label}`,
    formatMeasure(row.ours.median, row.ours.unit),
    formatMeasure(row.ours.min, row.ours.unit),
    formatMeasure(row.baseline.median, row.baseline.unit),
    formatMeasure(row.baseline.min, row.baseline.unit),
    formatRatio(row),
    ...extra.map((key) => row.columns?.[key] ?? '-'),
    formatVerdict(row),
  ])
  const judged = rows.filter((row) => row.isMet !== undefined)
  const met = judged.filter((row) => row.isMet === true).length
  return [
    `## ${benchmark.name}  (${seconds.toFixed(1)} s)`,
    `goal: ${benchmark.goal}`,
    '',
    ...layout(header, body),
    '',
    ...rows.flatMap((row, i) => (row.note === undefined ? [] : [`${i + 1}. ${row.note}`])),
    `goal met by ${met} of ${judged.length} judged rows (informational: the bench never fails on a goal)`,
    '',
  ].join('\n')
}
