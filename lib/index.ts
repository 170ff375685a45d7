// The package's face: the public API, composed from the core.
export { createRunner } from './runner.ts'
export { defineService } from './define-service.ts'
export { lifecycleChannel } from './lifecycle.ts'
export { resolveRunnerOptions } from './options.ts'
export * as errors from './errors.ts'
export type * from '../types/index.ts'
export { ExitCode, forcedExitCode } from './exit-codes.ts'
