// Type tests of the journal log options, checked by `npm run test:types` (tsc).
import { createRunner } from '../lib/index.ts'
import type { JournalLogOptions, LogDestination, ResolvedLogOptions } from './index.ts'

createRunner({ log: { destination: 'journal', journal: { socket: '/run/systemd/journal/socket', identifier: 'notes' } } })
createRunner({ log: { destination: 'auto' } })
createRunner({ log: { destination: 'stdout', format: 'pretty' } })
// @ts-expect-error destinations are auto, stdout or journal
createRunner({ log: { destination: 'syslog' } })
// @ts-expect-error the journal options are socket and identifier
createRunner({ log: { journal: { sock: '/tmp/j.sock' } } })

const destination: LogDestination = 'journal'
const journal: JournalLogOptions = { identifier: 'api' }
const resolved = {} as ResolvedLogOptions
const socket: string = resolved.journal.socket
void [destination, journal, socket]
