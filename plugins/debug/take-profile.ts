// Takes CPU and sampling heap profiles through the in-process inspector, for a number of seconds
// or until `signal` aborts (client gone, admin server closing), whichever comes first.
import { Session } from 'node:inspector/promises'
import { setTimeout as delay } from 'node:timers/promises'
import { cpuProfileToPprof, heapProfileToPprof, type SamplingHeapProfile } from './to-pprof.ts'

/** Sampling interval of the CPU profiler, µs (1 ms, like Go's 100 Hz order of magnitude but finer). */
const CPU_INTERVAL_MICROS = 1000
/** Average bytes between heap samples (V8's default). */
const HEAP_INTERVAL_BYTES = 512 * 1024

async function waitFor (seconds: number, signal: AbortSignal): Promise<void> {
  await delay(seconds * 1000, undefined, { signal }).catch(() => {})
}

/** A CPU profile as gzipped pprof. */
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

/** The allocations sampled during `seconds` that are still alive at the end, as gzipped pprof. */
export async function takeHeapProfile (seconds: number, signal: AbortSignal): Promise<Buffer> {
  const session = new Session()
  session.connect()
  try {
    await session.post('HeapProfiler.startSampling', { samplingInterval: HEAP_INTERVAL_BYTES })
    await waitFor(seconds, signal)
    const { profile } = await session.post('HeapProfiler.getSamplingProfile')
    await session.post('HeapProfiler.stopSampling')
    return heapProfileToPprof(profile as unknown as SamplingHeapProfile, HEAP_INTERVAL_BYTES)
  } finally {
    session.disconnect()
  }
}
