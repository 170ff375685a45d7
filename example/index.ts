// The quick start: a notes service on PostgreSQL (the embedded PGlite in a data directory, or a real
// server with DATABASE_URL), with its schema made by a one-shot migration task, two background jobs
// (one of them flaky, restarted with backoff) and an HTTP API. A walk through it: example/README.md.
//
//   npm start                                   main server on 127.0.0.1:3000, admin on 127.0.0.1:9090
//   FSR_PORT=8080 FSR_HOST=0.0.0.0 npm start    the address from the environment
//   FSR_EXAMPLE_DATA_DIR=/var/tmp/notes npm start  the embedded store's data directory
//   DATABASE_URL=postgres://localhost/notes npm start
//   curl -d '{"text":"hello","ttlSeconds":5}' -H 'content-type: application/json' localhost:3000/notes
//   curl localhost:3000/notes                   curl localhost:9090/health
//
// Ctrl-C (SIGINT) or SIGTERM drains the server and stops the services in reverse order, exit code 0.
// kill -HUP upgrades to a new process without dropping a request: run node directly for that
// (node --import tsx example/index.ts), not npm, which would exit with the old process.
import { createRunner } from '../lib/index.ts'
import { api } from './services/api.ts'
import { digest } from './services/digest.ts'
import { janitor } from './services/janitor.ts'
import { migrate } from './services/migrate.ts'
import { notes } from './services/notes.ts'
import { store } from './services/store.ts'

// No address here: the defaults (127.0.0.1:3000) apply unless FSR_PORT / FSR_HOST say otherwise
// (an explicit `server: { port }` would win over the environment).
const runner = createRunner()

// Services start in this order and stop in the reverse one.
runner.register(store)
runner.register(migrate)
runner.register(notes)
runner.register(janitor)
runner.register(digest)
runner.register(api, { service: { name: 'api', dependsOn: ['notes'] } })

try {
  // Resolves once every service runs and the server listens (logged as "runner started", with the address).
  await runner.start()
} catch (err) {
  // start() has already stopped whatever had started.
  runner.app.log.fatal({ err }, 'example failed to start')
  process.exitCode = 1
}
