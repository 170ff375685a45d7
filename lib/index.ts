// The package's face: the public API, composed from the core and the built-in plugins.
import { adminBuiltin } from '../plugins/admin/index.ts'
import * as adminErrors from '../plugins/admin/errors.ts'
import { debugBuiltin } from '../plugins/debug/index.ts'
import * as debugErrors from '../plugins/debug/errors.ts'
import { metricsBuiltin } from '../plugins/metrics/index.ts'
import { pressureBuiltin } from '../plugins/pressure/index.ts'
import * as pressureErrors from '../plugins/pressure/errors.ts'
import { telemetryBuiltin } from '../plugins/telemetry/index.ts'
import { composeRunner } from './compose-runner.ts'
import * as coreErrors from './errors.ts'

/**
 * Creates a runner with the built-in plugins switched on (each can be turned off with its option set
 * to `false`). Order matters: `admin` creates the admin server that `metrics` and `debug` add routes to;
 * `telemetry` comes first so that its hooks end last (its flush after the admin server closed).
 */
export const createRunner = composeRunner([telemetryBuiltin, adminBuiltin, metricsBuiltin, debugBuiltin, pressureBuiltin])
export { defineService } from './define-service.ts'
export { healthChannel } from './health-registry.ts'
export { lifecycleChannel } from './lifecycle.ts'
/** Every error of the package (core and built-in plugins), by code. */
export const errors = Object.freeze({ ...coreErrors, ...adminErrors, ...debugErrors, ...pressureErrors })
export type * from '../types/index.ts'
export { ExitCode, forcedExitCode } from './exit-codes.ts'
