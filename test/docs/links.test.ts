// Every relative link of the README and the docs pages leads to a file that exists and, when it
// names one, to a heading of that file.
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { test } from 'node:test'
import { readDoc, slug } from '../helpers/markdown.ts'

const root = new URL('../../', import.meta.url)
const PAGES = ['README.md', 'example/README.md', ...readdirSync(new URL('docs/', root)).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)]
  .filter((page) => existsSync(new URL(page, root)))

/** The anchors of a page's headings (code fences skipped). */
function anchors (markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '')
  return new Set([...withoutCode.matchAll(/^#+ (.+)$/gm)].map((match) => slug(match[1]!)))
}

test('every relative link of the README and docs resolves, anchors included', async () => {
  const broken: string[] = []
  for (const page of PAGES) {
    const markdown = (await readDoc(page)).replace(/^```[\s\S]*?^```/gm, '')
    for (const [, target] of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue
      const [path, anchor] = target!.split('#') as [string, string | undefined]
      const file = path === '' ? new URL(page, root) : new URL(path, new URL(page, root))
      if (!existsSync(file)) { broken.push(`${page}: ${target} (no such file)`); continue }
      if (anchor !== undefined && !anchors(await readDoc(file.pathname.slice(root.pathname.length))).has(anchor)) broken.push(`${page}: ${target} (no such heading)`)
    }
  }
  assert.deepEqual(broken, [])
})
