// Type tests of worker contexts (`ctx.child()`), checked by `npm run test:types` (tsc).
import type { Logger } from 'pino'
import { createRunner, defineService } from '../lib/index.ts'
import type { HealthStatus, ServiceHealth, WorkerContext, WorkerContextWithHealth, WorkerSnapshot } from './index.ts'

function expectType<T> (value: T): T { return value }

defineService({
  name: 'orders',
  async run (ctx) {
    const plain = ctx.child('partition-1')
    expectType<WorkerContext>(plain)
    expectType<string>(plain.name)
    expectType<Logger>(plain.log)
    expectType<AbortSignal>(plain.signal)
    expectType<number>(plain.startedAt)
    expectType<ServiceHealth | undefined>(plain.health)
    plain.abort()
    plain.abort(new Error('partition revoked'))
    // With `{ health: true }` the entry is always there.
    const watched = ctx.child('partition-2', { health: true })
    expectType<WorkerContextWithHealth>(watched)
    watched.health.report('degraded', { reason: 'lagging', lag: 12 })
    expectType<WorkerContextWithHealth>(watched.child('commit', { health: true }))
    expectType<WorkerContext>(watched.child('commit', { health: false }))
    // @ts-expect-error without { health: true } the entry may be missing
    plain.health.report('healthy')
    // @ts-expect-error health is true or false
    ctx.child('x', { health: 'yes' })
    // @ts-expect-error the options of child() are { health }
    ctx.child('x', { critical: false })
    // @ts-expect-error a worker needs a name
    ctx.child()
  },
})

const runner = createRunner({ server: false, signals: false })
const workers = runner.states()[0].workers
expectType<readonly WorkerSnapshot[] | undefined>(workers)
expectType<HealthStatus | undefined>(workers?.[0].health)
expectType<boolean | undefined>(workers?.[0].aborted)
