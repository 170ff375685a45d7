// One pino line as one record of systemd's native journal protocol: `NAME=value\n` per field, or,
// for a value with a newline, `NAME\n`, the value's length (64-bit little-endian), the value, `\n`.
// Field names and the cut of large records are described in docs/journal.md.

/**
 * The most one record takes, in bytes. A datagram is limited by the sender's socket buffer (208 KiB
 * by default) and Node cannot hand journald a memfd, so a larger record is cut to this size.
 */
export const MAX_RECORD_BYTES = 61_440
/** What a cut value ends with; `%d` is its size in bytes before the cut. */
export const cutMarker = (bytes: number): string => `…[cut: ${bytes} bytes in all]`

/** What a cut leaves of a value at least, when there is room for it (then values are cut to the marker). */
const KEPT_BYTES = 1_024
/** journald refuses longer field names. */
const MAX_NAME_LENGTH = 64
/** Objects nested deeper are sent as one JSON field. */
const MAX_DEPTH = 4
/** pino's own fields: `level` and `msg` become PRIORITY and MESSAGE; the journal records time, pid and host itself. */
const PINO_FIELDS = new Set(['level', 'msg', 'time', 'pid', 'hostname'])
/** Names the destination sets itself; a logged field of that name gets the prefix `X_`. */
const OWN_NAMES = new Set(['PRIORITY', 'MESSAGE', 'SYSLOG_IDENTIFIER'])
/** Field names seen before, sanitised; bounded so that logged keys cannot grow it forever. */
const names = new Map<string, string>()
const MAX_CACHED_NAMES = 1_000

/** The syslog priority of a pino level: fatal 2, error 3, warn 4, info 6, debug and trace 7 (custom levels by the nearest below). */
export function journalPriority (level: unknown): number {
  if (typeof level !== 'number') return 6
  if (level >= 60) return 2
  if (level >= 50) return 3
  if (level >= 40) return 4
  if (level >= 30) return 6
  return 7
}

/** A key in journald's alphabet: `reqId` → `REQ_ID`, only A-Z, 0-9 and `_`. */
function sanitise (key: string): string {
  let name = names.get(key)
  if (name !== undefined) return name
  name = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase().replace(/[^A-Z0-9_]/g, '_')
  if (names.size < MAX_CACHED_NAMES) names.set(key, name)
  return name
}

/** A top-level key as a field name journald accepts: sanitised, never a leading `_` or digit, never one of ours. */
export function journalFieldName (key: string): string {
  let name = sanitise(key).replace(/^_+/, '')
  if (name === '' || /^[0-9]/.test(name) || OWN_NAMES.has(name)) name = `X_${name}`
  return name.slice(0, MAX_NAME_LENGTH)
}

interface Field {
  readonly name: string
  value: string
  /** UTF-8 bytes of the value. */
  bytes: number
}

function addField (fields: Field[], name: string, value: string): void {
  fields.push({ name, value, bytes: Buffer.byteLength(value) })
}

/** Adds `value` as one field, or, for an object, one field per member (`REQ` + `METHOD` → `REQ_METHOD`). */
function addValue (fields: Field[], name: string, value: unknown, depth: number): void {
  if (typeof value === 'string') addField(fields, name, value)
  else if (value === null || typeof value !== 'object') addField(fields, name, String(value))
  else if (Array.isArray(value) || depth >= MAX_DEPTH) addField(fields, name, JSON.stringify(value))
  else {
    for (const [key, member] of Object.entries(value)) addValue(fields, `${name}_${sanitise(key)}`.slice(0, MAX_NAME_LENGTH), member, depth + 1)
  }
}

const isBinary = (field: Field): boolean => field.value.includes('\n')
/** Bytes of one field on the wire (names are ASCII). */
const fieldBytes = (field: Field): number => field.name.length + field.bytes + (isBinary(field) ? 10 : 2)

/** `value` cut to at most `bytes` bytes of UTF-8, never inside a character. */
function cutUtf8 (value: string, bytes: number): string {
  const buffer = Buffer.from(value)
  let end = bytes
  while (end > 0 && (buffer[end] & 0xc0) === 0x80) end--
  return buffer.toString('utf8', 0, end)
}

/** Cuts the largest values first (each to `KEPT_BYTES` at least, then further) until the record fits. */
function cutToFit (fields: Field[], total: number): void {
  const bySize = [...fields].sort((a, b) => b.bytes - a.bytes)
  for (const floor of [KEPT_BYTES, 0]) {
    for (const field of bySize) {
      if (total <= MAX_RECORD_BYTES) return
      const marker = cutMarker(field.bytes)
      const keep = Math.max(floor, field.bytes - (total - MAX_RECORD_BYTES) - Buffer.byteLength(marker) - 8)
      if (keep >= field.bytes) continue
      const before = fieldBytes(field)
      field.value = cutUtf8(field.value, keep) + marker
      field.bytes = Buffer.byteLength(field.value)
      total += fieldBytes(field) - before
    }
  }
  // Thousands of small fields: the last ones go.
  while (total > MAX_RECORD_BYTES && fields.length > 3) total -= fieldBytes(fields.pop() as Field)
}

/** The datagram of one pino line (a JSON object; anything else becomes the MESSAGE of an info record). */
export function encodeJournalRecord (line: string, identifier: string): Buffer {
  let record: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse(line)
    record = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : { msg: line.trimEnd() }
  } catch {
    record = { msg: line.trimEnd() }
  }
  const fields: Field[] = []
  addField(fields, 'PRIORITY', String(journalPriority(record.level)))
  addField(fields, 'SYSLOG_IDENTIFIER', identifier)
  addField(fields, 'MESSAGE', typeof record.msg === 'string' ? record.msg : record.msg === undefined ? '' : String(record.msg))
  for (const key of Object.keys(record)) {
    if (!PINO_FIELDS.has(key)) addValue(fields, journalFieldName(key), record[key], 1)
  }
  let total = 0
  for (const field of fields) total += fieldBytes(field)
  if (total > MAX_RECORD_BYTES) {
    cutToFit(fields, total)
    total = 0
    for (const field of fields) total += fieldBytes(field)
  }
  const datagram = Buffer.allocUnsafe(total)
  let at = 0
  for (const field of fields) {
    at += datagram.write(field.name, at, 'latin1')
    if (isBinary(field)) {
      datagram[at++] = 0x0a
      // Lengths stay far below 2^32: the high half of the 64-bit length is 0.
      at = datagram.writeUInt32LE(field.bytes, at)
      at = datagram.writeUInt32LE(0, at)
    } else datagram[at++] = 0x3d
    at += datagram.write(field.value, at, 'utf8')
    datagram[at++] = 0x0a
  }
  return datagram
}
