// Takes CPU and sampling heap profiles through the in-process inspector, for a number of seconds
// or until `signal` aborts (client gone, admin server closing), whichever comes first.
import { Session } from 'node:inspector/promises'
import { setTimeout as delay } from 'node:timers/promises'
import { holdHeapSampler, type HeapSampler } from './heap-sampler.ts'
import { cpuProfileToPprof, heapProfileToPprof, lastOrdinal } from './to-pprof.ts'

/** Sampling interval of the CPU profiler, µs (1 ms, like Go's 100 Hz order of magnitude but finer). */
const CPU_INTERVAL_MICROS = 1000

async function waitFor (seconds: number, signal: AbortSignal): Promise<void> {
  await delay(seconds * 1000, undefined, { signal }).catch(() => {})
}

/** A CPU profile as gzipped pprof, in an inspector session of its own (the heap sampler's is left alone). */
export async function takeCpuProfile (seconds: number, signal: AbortSignal): Promise<Buffer> {
  const session = new Session()
  session.connect()
  try {
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: CPU_INTERVAL_MICROS })
    await session.post('Profiler.start')
    await waitFor(seconds, signal)
    const { profile } = await session.post('Profiler.stop')
    return cpuProfileToPprof(profile, CPU_INTERVAL_MICROS)
  } finally {
    session.disconnect()
  }
}

/** What `sampler` sampled since it started and is still alive, as gzipped pprof. */
export async function readHeapProfile (sampler: HeapSampler): Promise<Buffer> {
  return heapProfileToPprof(await sampler.profile(), sampler.interval, { durationMillis: Date.now() - sampler.startedAt })
}

/**
 * The allocations sampled during `seconds` that are still alive at the end, as gzipped pprof: those
 * of the process's sampler (started every `interval` bytes if it is not running) sampled after the start.
 */
export async function takeHeapProfile (seconds: number, interval: number, signal: AbortSignal): Promise<Buffer> {
  const sampler = await holdHeapSampler(interval)
  try {
    const begin = Date.now()
    const after = lastOrdinal(await sampler.profile())
    await waitFor(seconds, signal)
    return heapProfileToPprof(await sampler.profile(), sampler.interval, { afterOrdinal: after, durationMillis: Date.now() - begin })
  } finally {
    await sampler.release()
  }
}
