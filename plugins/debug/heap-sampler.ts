// The process's sampling heap profiler, shared by every debug plugin in the process. V8 has one per
// isolate: a second inspector session that started and stopped it would stop it for everyone, so
// the first holder starts it (with its sampling interval), the last to release it stops it.
import { Session } from 'node:inspector/promises'
import type { SamplingHeapProfile } from './to-pprof.ts'

/** A hold on the sampler: read what it sampled, then release it once. */
export interface HeapSampler {
  /** Average bytes between two samples, as the first holder started it. */
  readonly interval: number
  /** When the sampler started (Date.now()). */
  readonly startedAt: number
  /** The sampled allocations still alive. */
  profile (): Promise<SamplingHeapProfile>
  release (): Promise<void>
}

interface Running {
  readonly session: Session
  readonly interval: number
  readonly startedAt: number
  readonly started: Promise<unknown>
  holders: number
}

let running: Running | undefined

function stop (held: Running): void {
  if (running === held) running = undefined
  // Disconnecting disables the session's heap profiler, which stops the sampler at once. Not
  // HeapProfiler.stopSampling: it builds and sends the whole profile, 40 ms and more with a big heap.
  held.session.disconnect()
}

/** Holds the process's sampling heap profiler, starting it every `interval` bytes when nobody holds it. */
export async function holdHeapSampler (interval: number): Promise<HeapSampler> {
  if (running === undefined) {
    const session = new Session()
    session.connect()
    running = { session, interval, startedAt: Date.now(), holders: 0, started: session.post('HeapProfiler.startSampling', { samplingInterval: interval }) }
  }
  const held = running
  held.holders++
  try {
    await held.started
  } catch (err) {
    if (--held.holders === 0) stop(held)
    throw err
  }
  let isReleased = false
  return {
    interval: held.interval,
    startedAt: held.startedAt,
    async profile () {
      const { profile } = await held.session.post('HeapProfiler.getSamplingProfile')
      return profile as unknown as SamplingHeapProfile
    },
    async release () {
      if (isReleased) return
      isReleased = true
      if (--held.holders === 0) stop(held)
    },
  }
}
