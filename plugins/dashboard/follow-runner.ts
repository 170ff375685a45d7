// What the dashboard shows as it happens: the runner's lifecycle transitions, restart decisions and
// health changes, each appended to the event log in the shape documented in docs/dashboard.md.
import { healthChannel } from '../../lib/health-registry.ts'
import { redactUrlCredentials } from '../../lib/redact-url-credentials.ts'
import type { HealthChange, Runner } from '../../types/index.ts'
import type { EventLog } from './event-log.ts'

export function followRunner (runner: Runner, log: EventLog): () => void {
  runner.addHook('onTransition', ({ service, from, to, at, duration, error }) => {
    log.append('transition', { service, from, to, at, duration, ...(error === undefined ? {} : { error: redactUrlCredentials(error.message) }) })
  })
  runner.addHook('onRestart', ({ service, decision, reason, attempt, delay, at }) => {
    log.append('restart', { service, decision, reason, attempt, delay, at })
  })
  // The channel carries every runner's changes: keep those of entries this runner has.
  const onHealth = (message: unknown): void => {
    const { service, status, previous, reason, since, critical } = message as HealthChange
    if (runner.health().services[service] === undefined) return
    // `process`: the aggregate after the change, so a client need not work it out.
    log.append('health', { service, status, previous, since, critical, ...(reason === undefined ? {} : { reason: redactUrlCredentials(reason) }), process: runner.health().status })
  }
  healthChannel.subscribe(onHealth)
  return () => { healthChannel.unsubscribe(onHealth) }
}
