import assert from 'node:assert/strict'
import { test } from 'node:test'
import { boundedMailbox } from '../../lib/mailbox-iterator.ts'

test('a bounded mailbox keeps, drops and yields exactly what a plain queue of the same capacity would, through growth and wrap-around', () => {
  let seed = 7
  // A small deterministic generator: the same sequence of puts and takes every run.
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
  for (const capacity of [1, 3, 5, 100]) {
    for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
      const counted = { dropped: 0, taken: 0 }
      const mailbox = boundedMailbox<number>(capacity, overflow, { onDrop: () => { counted.dropped++ }, onTake: () => { counted.taken++ } })
      const model: number[] = []
      let dropped = 0
      let taken = 0
      for (let step = 0; step < 5_000; step++) {
        // Bursts of puts and of takes, so the mailbox fills, wraps, empties and grows again.
        if (random() < 0.55) {
          mailbox.put(step)
          if (model.length === capacity) {
            dropped++
            if (overflow === 'drop-oldest') model.shift()
            else continue
          }
          model.push(step)
        } else {
          const expected = model.shift()
          if (expected !== undefined) taken++
          assert.equal(mailbox.take(), expected, `${overflow} ${capacity}, step ${step}`)
        }
      }
      assert.deepEqual(counted, { dropped, taken }, `${overflow} ${capacity}`)
      mailbox.clear()
      assert.equal(mailbox.take(), undefined)
      mailbox.put(1)
      assert.equal(mailbox.take(), 1, 'usable after clear()')
    }
  }
})
