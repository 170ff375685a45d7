// A pino logger whose lines the test reads back as JSON.
import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'

export interface LogCapture {
  readonly logger: Logger
  readonly lines: Array<Record<string, unknown>>
  /** Lines whose `msg` equals `msg`. */
  messages (msg: string): Array<Record<string, unknown>>
}

export function captureLogs (level: pino.LevelWithSilent = 'info'): LogCapture {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line))
      done()
    },
  })
  const logger = pino({ level }, stream)
  return { logger, lines, messages: (msg) => lines.filter((line) => line.msg === msg) }
}
