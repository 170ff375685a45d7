// What the dashboard shows as it happens: the runner's own topics (lifecycle transitions, health
// changes, restart decisions), each appended to the event log in the shape of docs/dashboard.md.
import { redactUrlCredentials } from '../../lib/redact-url-credentials.ts'
import type { RestartEvent, Runner } from '../../types/index.ts'
import { keepLast, type EventLog } from './event-log.ts'

/** A restart decision as the dashboard's events carry it. */
type RestartData = Pick<RestartEvent, 'service' | 'decision' | 'reason' | 'attempt' | 'delay' | 'at'>

/**
 * Restart decisions are followed from the start (every snapshot carries the recent ones); the rest
 * from the first client on: before it, nobody can miss an event (a new client starts from a
 * snapshot), and a boot and stop of 10,000 services would log 70,000 events for nobody.
 */
export class RunnerFollower {
  readonly #runner: Runner
  readonly #log: EventLog
  readonly #capacity: number
  #restarts: RestartData[] = []
  readonly #unsubscribes: Array<() => void> = []
  #isFollowingAll = false

  /** `capacity`: how many restart decisions are kept, at least (up to twice as many). */
  constructor (runner: Runner, log: EventLog, capacity: number) {
    this.#runner = runner
    this.#log = log
    this.#capacity = capacity
    this.#unsubscribes.push(runner.topics.topic('fsr.restart').subscribe(({ service, decision, reason, attempt, delay, at }) => {
      const data = { service, decision, reason, attempt, delay, at }
      this.#restarts = keepLast(this.#restarts, data, this.#capacity)
      if (this.#isFollowingAll) log.append('restart', data)
    }))
  }

  /** The restart decisions kept, oldest first. */
  get restarts (): readonly RestartData[] {
    return this.#restarts
  }

  /** From the first client on, every event goes to the log; listeners are called as each is published, so none is dropped. */
  followAll (): void {
    if (this.#isFollowingAll) return
    this.#isFollowingAll = true
    const runner = this.#runner
    const log = this.#log
    this.#unsubscribes.push(
      // A transition's record is kept as it is (frozen, the fields of the event), unless it holds an error.
      runner.topics.topic('fsr.lifecycle').subscribe((transition) => {
        const { error } = transition
        log.append('transition', error === undefined ? transition : { ...transition, error: redactUrlCredentials(error.message) })
      }),
      runner.topics.topic('fsr.health').subscribe(({ service, status, previous, reason, since, critical }) => {
        const data: Record<string, unknown> = { service, status, previous, since, critical }
        if (reason !== undefined) data.reason = redactUrlCredentials(reason)
        // `process`: the aggregate after the change, for the clients listening now (reading it visits
        // every entry: made for each change of a restart storm with nobody listening, it would cost seconds).
        if (log.listenerCount > 0) data.process = runner.health().status
        log.append('health', data)
      }),
    )
  }

  unfollow (): void {
    for (const unsubscribe of this.#unsubscribes) unsubscribe()
  }
}
