// The package's face: the public API, composed from the core and the built-in plugins.
import { adminBuiltin } from '../plugins/admin/index.ts'
import { dashboardBuiltin } from '../plugins/dashboard/index.ts'
import * as adminErrors from '../plugins/admin/errors.ts'
import { debugBuiltin } from '../plugins/debug/index.ts'
import * as debugErrors from '../plugins/debug/errors.ts'
import { metricsBuiltin } from '../plugins/metrics/index.ts'
import { pressureBuiltin } from '../plugins/pressure/index.ts'
import * as pressureErrors from '../plugins/pressure/errors.ts'
import type { FsrError, FsrErrorConstructor } from '../types/errors.ts'
import { telemetryBuiltin } from '../plugins/telemetry/index.ts'
import { composeRunner } from './compose-runner.ts'
import * as coreErrors from './errors.ts'

/**
 * Creates a runner with the built-in plugins switched on (each can be turned off with its option set
 * to `false`). Order matters: `admin` creates the admin server that `metrics`, `debug` and `dashboard`
 * add routes to; `telemetry` comes first so that its hooks end last (its flush after the admin server closed).
 */
export const createRunner = composeRunner([telemetryBuiltin, adminBuiltin, metricsBuiltin, debugBuiltin, dashboardBuiltin, pressureBuiltin])
export { defineService } from './define-service.ts'
export { healthChannel } from './health-registry.ts'
export { lifecycleChannel } from './lifecycle.ts'

const errorModules = { ...coreErrors, ...adminErrors, ...debugErrors, ...pressureErrors }
type ErrorModules = typeof errorModules
/** The code of every error of the package (core and built-in plugins). */
export type ErrorCode = keyof ErrorModules & `FSR_ERR_${string}`
/** An error of the package: of any code, told apart by `code` (a `switch` narrows), or of the codes `C`. */
export type RunnerError<C extends ErrorCode = ErrorCode> = FsrError<C>
type ArgsOf<T> = T extends new (...args: infer A) => unknown ? A : never
/** Every error of the package (core and built-in plugins), by code; `instanceof` one narrows to its `RunnerError`. */
export const errors = Object.freeze(
  // Only the errors: a module of errors may also hold a helper for their messages.
  Object.fromEntries(Object.entries(errorModules).filter(([name]) => name.startsWith('FSR_ERR_'))),
) as { readonly [C in ErrorCode]: FsrErrorConstructor<C, ArgsOf<ErrorModules[C]>> }
export type * from '../types/index.ts'
export { ExitCode, forcedExitCode } from './exit-codes.ts'
