// What a topic call accepts: its name, and the options of a subscription, read into their
// resolved form (every problem of one options object reported together).
import type { TopicOverflow, TopicSubscribeOptions } from '../types/index.ts'
import { FSR_ERR_INVALID_TOPIC } from './errors.ts'
import { describe } from './options.ts'

/** Values that may wait for a busy consumer of one subscription, unless it says otherwise. */
export const DEFAULT_BUFFER = 100
const MAX_BUFFER = 1_000_000
const OVERFLOWS: readonly TopicOverflow[] = ['drop-oldest', 'drop-newest', 'latest']
const TOPIC_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/
const KEYS = ['signal', 'buffer', 'overflow', 'replay']

export interface ResolvedSubscribeOptions {
  readonly signal: AbortSignal | undefined
  /** 1 for `latest`. */
  readonly buffer: number
  /** `latest` is a mailbox of one that drops its oldest. */
  readonly overflow: 'drop-oldest' | 'drop-newest'
  readonly replay: boolean
}

/** Throws FSR_ERR_INVALID_TOPIC for a name topics do not take. */
export function readTopicName (name: unknown): string {
  if (typeof name !== 'string' || !TOPIC_NAME.test(name)) {
    throw new FSR_ERR_INVALID_TOPIC('topics.topic() name', `got ${describe(name)}; expected 1 to 128 letters, digits, ".", "_", "-", ":" or "/", beginning with a letter or digit`)
  }
  return name
}

/** Reads the options of `topic.subscribe()`; throws FSR_ERR_INVALID_TOPIC naming every problem. */
export function readSubscribeOptions (topic: string, input: unknown): ResolvedSubscribeOptions {
  const where = `topic "${topic}" subscribe() options`
  if (input === undefined) return { signal: undefined, buffer: DEFAULT_BUFFER, overflow: 'drop-oldest', replay: false }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new FSR_ERR_INVALID_TOPIC(where, `got ${describe(input)}; expected undefined or { ${KEYS.join(', ')} }`)
  }
  const options = input as TopicSubscribeOptions
  const problems: string[] = []
  const unknown = Object.keys(options).filter((key) => !KEYS.includes(key))
  if (unknown.length > 0) problems.push(`unknown key ${unknown.join(', ')} (accepted: ${KEYS.join(', ')})`)
  const { signal, buffer, overflow = 'drop-oldest', replay = 0 } = options
  if (signal !== undefined && !(signal instanceof AbortSignal)) problems.push(`signal: got ${describe(signal)}; expected an AbortSignal`)
  if (!OVERFLOWS.includes(overflow)) problems.push(`overflow: got ${describe(overflow)}; expected ${OVERFLOWS.map((each) => `"${each}"`).join(', ')}`)
  if (overflow === 'latest' && buffer !== undefined && buffer !== 1) {
    problems.push(`buffer: got ${describe(buffer)} with overflow "latest"; expected none (or 1): "latest" keeps only the newest value`)
  } else if (buffer !== undefined && (typeof buffer !== 'number' || !Number.isInteger(buffer) || buffer < 1 || buffer > MAX_BUFFER)) {
    problems.push(`buffer: got ${describe(buffer)}; expected an integer from 1 to ${MAX_BUFFER}`)
  }
  if (replay !== 0 && replay !== 1) problems.push(`replay: got ${describe(replay)}; expected 0 or 1`)
  if (problems.length > 0) throw new FSR_ERR_INVALID_TOPIC(where, problems.join('; '))
  return {
    signal,
    buffer: overflow === 'latest' ? 1 : buffer ?? DEFAULT_BUFFER,
    overflow: overflow === 'drop-newest' ? 'drop-newest' : 'drop-oldest',
    replay: replay === 1,
  }
}
