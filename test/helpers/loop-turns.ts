// Waiting on what code under mock timers does next: setImmediate is not mocked, so each turn of the
// loop lets pending promise callbacks and I/O run.
import assert from 'node:assert/strict'

/** Lets promise callbacks and I/O run until `predicate` holds; fails after 1 000 turns. */
export async function until (predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (predicate()) return
    await new Promise((resolve) => setImmediate(resolve))
  }
  assert.fail(`never: ${what}`)
}

/** Lets pending promise callbacks and I/O run for `n` turns of the loop, for what must not happen. */
export async function turns (n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}
