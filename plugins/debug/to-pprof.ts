// Converts the inspector's CPU profiles and sampling heap profiles to the pprof format
// (gzipped protobuf, as Go's net/http/pprof serves them), readable by `go tool pprof` and friends.
import { gzipSync } from 'node:zlib'
import type { Profiler } from 'node:inspector'
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format'

interface CallFrame { functionName: string, url: string, lineNumber: number, columnNumber: number }

/** HeapProfiler.SamplingHeapProfile as V8 sends it (the bundled Node 20 typings lack `id` and `samples`). */
export interface SamplingHeapProfile {
  readonly head: SamplingHeapNode
  /** One per sampled allocation still alive: its bytes (scaled to stand for the unsampled ones) and its order of sampling. */
  readonly samples?: ReadonlyArray<{ readonly size: number, readonly nodeId: number, readonly ordinal: number }>
}
interface SamplingHeapNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly selfSize: number
  readonly children: readonly SamplingHeapNode[]
}

/** Interns functions and locations: one Function per (name, file, line), one Location per call-tree node. */
class Builder {
  readonly strings = new StringTable()
  readonly functions: PprofFunction[] = []
  readonly locations: Location[] = []
  #functionIds = new Map<string, number>()

  locationFor (frame: CallFrame): number {
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName
    const key = `${name}\0${frame.url}\0${frame.lineNumber}`
    let functionId = this.#functionIds.get(key)
    if (functionId === undefined) {
      functionId = this.functions.length + 1
      this.#functionIds.set(key, functionId)
      this.functions.push(new PprofFunction({
        id: functionId,
        name: this.strings.dedup(name),
        systemName: this.strings.dedup(name),
        filename: this.strings.dedup(frame.url),
        // The inspector counts lines from 0, pprof from 1.
        startLine: frame.lineNumber + 1,
      }))
    }
    const id = this.locations.length + 1
    this.locations.push(new Location({ id, line: [new Line({ functionId, line: frame.lineNumber + 1, column: frame.columnNumber + 1 })] }))
    return id
  }

  valueType (type: string, unit: string): ValueType {
    return new ValueType({ type: this.strings.dedup(type), unit: this.strings.dedup(unit) })
  }
}

/** A CPU profile with two values per sample: how many samples, and the CPU time they stand for. */
export function cpuProfileToPprof (profile: Profiler.Profile, intervalMicros: number): Buffer {
  const builder = new Builder()
  const parents = new Map<number, number>()
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parents.set(child, node.id)
  }
  const locationIds = new Map<number, number>()
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== '(root)') locationIds.set(node.id, builder.locationFor(node.callFrame))
  }
  // Per node: samples taken in it and the time they cover (the delta to the next sample).
  const counts = new Map<number, { count: number, micros: number }>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    const entry = counts.get(samples[i]) ?? { count: 0, micros: 0 }
    entry.count++
    entry.micros += deltas[i + 1] ?? intervalMicros
    counts.set(samples[i], entry)
  }
  const pprofSamples: Sample[] = []
  for (const [nodeId, { count, micros }] of counts) {
    const stack: number[] = []
    for (let id: number | undefined = nodeId; id !== undefined; id = parents.get(id)) {
      const location = locationIds.get(id)
      if (location !== undefined) stack.push(location)
    }
    if (stack.length === 0) continue
    pprofSamples.push(new Sample({ locationId: stack, value: [count, Math.max(0, Math.round(micros * 1000))] }))
  }
  const result = new Profile({
    sampleType: [builder.valueType('samples', 'count'), builder.valueType('cpu', 'nanoseconds')],
    sample: pprofSamples,
    location: builder.locations,
    function: builder.functions,
    stringTable: builder.strings,
    timeNanos: BigInt(Math.round(Date.now() - (profile.endTime - profile.startTime) / 1000)) * 1_000_000n,
    durationNanos: (profile.endTime - profile.startTime) * 1000,
    periodType: builder.valueType('cpu', 'nanoseconds'),
    period: intervalMicros * 1000,
  })
  return gzipSync(result.encode())
}

/** The ordinal of the last sample still alive in `profile` (0 for none). */
export function lastOrdinal (profile: SamplingHeapProfile): number {
  let last = 0
  for (const sample of profile.samples ?? []) last = Math.max(last, sample.ordinal)
  return last
}

export interface HeapProfileWindow {
  /** Only samples taken after this one (see lastOrdinal): a window's allocations. Default: every sample. */
  readonly afterOrdinal?: number
  /** What the profile covers, ms. */
  readonly durationMillis?: number
}

/** A sampling heap profile with two values per sample: sampled objects and their bytes, still alive. */
export function heapProfileToPprof (profile: SamplingHeapProfile, samplingInterval: number, window: HeapProfileWindow = {}): Buffer {
  const { afterOrdinal = -Infinity, durationMillis } = window
  const builder = new Builder()
  const pprofSamples: Sample[] = []
  // Per call-tree node: the samples kept and their bytes.
  const kept = new Map<number, { count: number, bytes: number }>()
  for (const sample of profile.samples ?? []) {
    if (sample.ordinal <= afterOrdinal) continue
    const entry = kept.get(sample.nodeId) ?? { count: 0, bytes: 0 }
    entry.count++
    entry.bytes += sample.size
    kept.set(sample.nodeId, entry)
  }
  const visit = (node: SamplingHeapNode, stack: number[]): void => {
    const isRoot = node.callFrame.functionName === '(root)'
    const here = isRoot ? stack : [builder.locationFor(node.callFrame), ...stack]
    const entry = kept.get(node.id)
    if (entry !== undefined && here.length > 0) {
      pprofSamples.push(new Sample({ locationId: here, value: [entry.count, Math.round(entry.bytes)] }))
    }
    for (const child of node.children) visit(child, here)
  }
  visit(profile.head, [])
  const result = new Profile({
    sampleType: [builder.valueType('objects', 'count'), builder.valueType('space', 'bytes')],
    sample: pprofSamples,
    location: builder.locations,
    function: builder.functions,
    stringTable: builder.strings,
    timeNanos: BigInt(Date.now() - (durationMillis ?? 0)) * 1_000_000n,
    ...(durationMillis === undefined ? {} : { durationNanos: durationMillis * 1_000_000 }),
    periodType: builder.valueType('space', 'bytes'),
    period: samplingInterval,
  })
  return gzipSync(result.encode())
}
