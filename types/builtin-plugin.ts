// The contract between the core and the built-in plugins, as the package's face composes them:
// types only. Not re-exported from index.ts: users never write a built-in.
import type { ResolvedRunnerOptions, Runner, RunnerOptions } from './index.ts'

type Env = Readonly<Record<string, string | undefined>>

/** A built-in plugin as the face composes it. */
export interface BuiltinPlugin<T> {
  /** The `RunnerOptions` key this plugin owns (the core never sees it). */
  readonly option: keyof RunnerOptions & string
  /**
   * Pure: resolves the plugin's option (`undefined` when not given); throws FSR_ERR_INVALID_OPTIONS
   * with `problems`. `server` is the resolved main server, undefined when that option is invalid.
   */
  resolve (input: unknown, env: Env, server: ResolvedRunnerOptions['server'] | undefined): T
  /** Adds the plugin to a runner that has nothing registered yet (hooks, context fields, routes). */
  install (runner: Runner, options: T): void
  /** Fields for every log line of the runner's own logger (pino's `mixin`), when the plugin has any. */
  logMixin? (options: T): (() => object) | undefined
}
