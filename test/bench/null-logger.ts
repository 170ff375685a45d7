// The pino logger the in-process benchmarks give the runner (and their baselines): written
// synchronously, as pino writes stdout, here to /dev/null, so logging costs what it costs users
// without a terminal in the way.
import { pino, type Logger } from 'pino'

export function createNullLogger (level: 'silent' | 'info'): Logger {
  return pino({ level }, pino.destination({ dest: '/dev/null', sync: true }))
}
