// Type tests of the errors: literal codes, the documented fields on the errors that carry them,
// narrowing by `instanceof` and by `code`. Checked by `npm run test:types`.
import { errors } from '../lib/index.ts'
import type { DestroyedConnection, ErrorCode, RunnerError } from '../lib/index.ts'

function expectType<T> (value: T): T { return value }

declare const thrown: unknown

const started = new errors.FSR_ERR_SERVICE_START('store', 'init', 'boom', { cause: new Error('boom') })
expectType<'FSR_ERR_SERVICE_START'>(started.code)
expectType<string>(started.service)
expectType<'init' | 'ready' | 'run'>(started.phase)
expectType<Error>(started)
// @ts-expect-error the arguments are the message's: service, phase, reason, { cause }
void new errors.FSR_ERR_SERVICE_START(42)

if (thrown instanceof errors.FSR_ERR_SHUTDOWN_TIMEOUT) {
  expectType<'FSR_ERR_SHUTDOWN_TIMEOUT'>(thrown.code)
  expectType<readonly string[]>(thrown.services)
  expectType<Readonly<Record<string, number>>>(thrown.handles)
  // @ts-expect-error a shutdown timeout names services and handles, not a phase
  void thrown.phase
}
if (thrown instanceof errors.FSR_ERR_UNCLEAN_STOP) {
  expectType<ReadonlyArray<RunnerError<'FSR_ERR_SERVICE_STOP'>>>(thrown.errors)
  expectType<'FSR_ERR_SERVICE_STOP'>(thrown.errors[0].code)
  expectType<readonly DestroyedConnection[]>(thrown.destroyed)
}
if (thrown instanceof errors.FSR_ERR_INVALID_OPTIONS) expectType<readonly string[]>(thrown.problems)
if (thrown instanceof errors.FSR_ERR_INVALID_SERVICE) expectType<readonly string[]>(thrown.problems)
if (thrown instanceof errors.FSR_ERR_PRESTART) {
  expectType<string>(thrown.stage)
  expectType<number>(thrown.attempt)
}
if (thrown instanceof errors.FSR_ERR_SERVICE_STOP) {
  // @ts-expect-error only a start error names its phase
  void thrown.phase
}

// Any error of the package: `code` is the union of the codes, and a switch on it narrows.
function describe (err: RunnerError): string {
  expectType<ErrorCode>(err.code)
  switch (err.code) {
    case 'FSR_ERR_SERVICE_START': return `${err.service} ${err.phase}`
    case 'FSR_ERR_PRESTART': return `${err.stage} ${err.attempt}`
    case 'FSR_ERR_ADMIN_LISTEN': return err.message
    // @ts-expect-error no such code
    case 'FSR_ERR_NO_SUCH_THING': return ''
    default: return err.code
  }
}
void describe
expectType<ErrorCode>('FSR_ERR_UNDER_PRESSURE')
// @ts-expect-error codes are the package's own
expectType<ErrorCode>('FST_ERR_VALIDATION')
// @ts-expect-error `errors` holds errors only, no helper
void errors.messageOf
