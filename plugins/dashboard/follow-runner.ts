// What the dashboard shows as it happens: the runner's own topics (lifecycle transitions, health
// changes, restart decisions), each appended to the event log in the shape of docs/dashboard.md.
import { redactUrlCredentials } from '../../lib/redact-url-credentials.ts'
import type { Runner } from '../../types/index.ts'
import type { EventLog } from './event-log.ts'

/** Follows the runner until the returned function is called. */
export function followRunner (runner: Runner, log: EventLog): () => void {
  // Listeners are called as each event is published, so none is dropped.
  const unsubscribes = [
    // A transition's record is kept as it is (frozen, the fields of the event), unless it holds an error.
    runner.topics.topic('fsr.lifecycle').subscribe((transition) => {
      const { error } = transition
      log.append('transition', error === undefined ? transition : { ...transition, error: redactUrlCredentials(error.message) })
    }),
    runner.topics.topic('fsr.restart').subscribe(({ service, decision, reason, attempt, delay, at }) => {
      log.append('restart', { service, decision, reason, attempt, delay, at })
    }),
    runner.topics.topic('fsr.health').subscribe(({ service, status, previous, reason, since, critical }) => {
      const data: Record<string, unknown> = { service, status, previous, since, critical }
      if (reason !== undefined) data.reason = redactUrlCredentials(reason)
      // `process`: the aggregate after the change, for the clients listening now (reading it visits
      // every entry: made for each change of a boot with nobody listening, a 10,000-service boot
      // would cost seconds).
      if (log.listenerCount > 0) data.process = runner.health().status
      log.append('health', data)
    }),
  ]
  return () => { for (const unsubscribe of unsubscribes) unsubscribe() }
}
