// The README's quick start is example/quick-start.ts word for word (but its import), and it runs:
// it serves, and Ctrl-C stops `api`, then `clock`, exit 0.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { startFixture } from '../helpers/fixture-process.ts'

const root = new URL('../../', import.meta.url)

test("the README's quick start is the file example/quick-start.ts", async () => {
  const readme = await readFile(new URL('README.md', root), 'utf8')
  const block = /## Quick start\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1]
  const file = await readFile(new URL('example/quick-start.ts', root), 'utf8')
  // The file's two comment lines say how to run it; an app imports the package by its name.
  const expected = file.split('\n').slice(2).join('\n').replace("from '../lib/index.ts'", "from 'fastify-service-runner'")
  assert.equal(block, expected)
})

test('the quick start serves, and SIGINT stops its services in reverse order with exit code 0', async (t) => {
  const program = startFixture(t, 'example/quick-start.ts', { FSR_PORT: '0', FSR_LOG_LEVEL: 'debug' })
  const started = await program.waitForLine((line) => line.msg === 'runner started', 30_000) as { address: { port: number } }
  const answer = await fetch(`http://127.0.0.1:${started.address.port}/`)
  assert.equal(answer.status, 200)
  assert.equal((await answer.json() as { service: string }).service, 'api')
  program.child.kill('SIGINT')
  assert.deepEqual(await program.exited, { code: 0, signal: null }, program.describe())
  const stopped = program.lines.filter((line) => line.msg === 'service state changed' && line.state === 'stopped').map((line) => line.service)
  assert.deepEqual(stopped, ['api', 'clock'])
})
