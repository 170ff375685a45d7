// Reads the tables and links of our Markdown pages, for the tests that keep the docs in step with the code.
import { readFile } from 'node:fs/promises'

const root = new URL('../../', import.meta.url)

export function readDoc (path: string): Promise<string> {
  return readFile(new URL(path, root), 'utf8')
}

/** The rows of every table whose header row starts with `firstHeader` (cells joined by " | "), trimmed. */
export function tableRows (markdown: string, firstHeader: string): string[][] {
  const rows: string[][] = []
  let isInTable = false
  for (const line of markdown.split('\n')) {
    if (line.startsWith(`| ${firstHeader} |`)) isInTable = true
    else if (!line.startsWith('|')) isInTable = false
    // Cells split on unescaped pipes (the separator row is skipped); an empty cell stays ''.
    else if (isInTable && !line.startsWith('|---')) rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim()))
  }
  if (rows.length === 0) throw new Error(`no table with the header "${firstHeader}"`)
  return rows
}

/** The code spans of a cell (`a`, `b` in "`a`, `b`"). */
export function codeSpans (cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!)
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug (heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')
}
