// Type tests: a follower's derivation rule is `unhealthyWhen` or `derive`, never both (the runtime
// refuses the pair too). Checked by `npm run test:types`.
import { createRunner, defineService } from '../lib/index.ts'
import type { ServiceHealthOptions } from './index.ts'

const runner = createRunner({ signals: false })
defineService({ name: 'a', health: { follow: ['store'], unhealthyWhen: 'any' } })
defineService({ name: 'b', health: { follow: ['store'], derive: (statuses) => statuses.store ?? 'unknown' } })
defineService({ name: 'c', health: { follow: ['store'], unhealthyWhen: undefined, derive: () => 'healthy' } })
// @ts-expect-error unhealthyWhen and derive exclude each other
defineService({ name: 'x', health: { follow: ['store'], unhealthyWhen: 'any', derive: () => 'healthy' } })
// @ts-expect-error unhealthyWhen and derive exclude each other, on a plain plugin too
runner.register(async () => {}, { service: { name: 'p', health: { follow: ['store'], unhealthyWhen: 'all', derive: () => 'degraded' } } })
// Not only literals: options built elsewhere with both are refused too.
const both = { follow: ['store'], unhealthyWhen: 'never', derive: (): 'healthy' => 'healthy' } as const
// @ts-expect-error unhealthyWhen and derive exclude each other
defineService({ name: 'y', health: both })
// @ts-expect-error unhealthyWhen and derive exclude each other
const annotated: ServiceHealthOptions = { unhealthyWhen: 'any', derive: () => 'healthy' }
void annotated
