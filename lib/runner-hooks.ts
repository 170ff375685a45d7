// The runner's hooks (RunnerHooks): the extension point of the built-in plugins. Added before
// start, called at fixed points of the runner's life; a hook that throws is logged, never fatal,
// except `beforeStart`, whose throw fails the start.
import type { Logger } from 'pino'
import type { RunnerHooks } from '../types/index.ts'
import { FSR_ERR_INVALID_ARGUMENT, FSR_ERR_UNKNOWN_HOOK } from './errors.ts'
import { describe } from './options.ts'

type SyncHookName = 'onTransition' | 'onHealthCheck' | 'onDrain' | 'onRestart' | 'onShutdown' | 'onUpgrade'

export class HookRegistry {
  readonly #log: Logger
  readonly #hooks: { [K in keyof RunnerHooks]: Array<RunnerHooks[K]> } = { beforeStart: [], afterStop: [], onTransition: [], onHealthCheck: [], onDrain: [], onRestart: [], onShutdown: [], beforeUpgrade: [], onUpgrade: [] }

  constructor (log: Logger) {
    this.#log = log
  }

  /** Throws FSR_ERR_UNKNOWN_HOOK or FSR_ERR_INVALID_ARGUMENT; the caller checks that the runner has not started. */
  add<K extends keyof RunnerHooks> (name: K, hook: RunnerHooks[K]): void {
    const list = this.#hooks[name] as Array<RunnerHooks[K]> | undefined
    if (!Object.hasOwn(this.#hooks, name) || list === undefined) throw new FSR_ERR_UNKNOWN_HOOK(String(name), Object.keys(this.#hooks).join(', '))
    if (typeof hook !== 'function') throw new FSR_ERR_INVALID_ARGUMENT(`runner.addHook("${name}")`, describe(hook), 'a function')
    list.push(hook)
  }

  /** The hooks named `name`, in the order added (read by the services, which call onTransition only when there are any). */
  list<K extends keyof RunnerHooks> (name: K): ReadonlyArray<RunnerHooks[K]> {
    return this.#hooks[name] as Array<RunnerHooks[K]>
  }

  /** The onTransition list itself: the lifecycle watchers join it with their first watcher and leave it after their last. */
  transitionList (): Array<RunnerHooks['onTransition']> {
    return this.#hooks.onTransition
  }

  /** Calls the synchronous hooks named `name`; a throw is logged and the others still run. */
  call<K extends SyncHookName> (name: K, ...args: Parameters<RunnerHooks[K]>): void {
    for (const hook of this.#hooks[name]) {
      try {
        (hook as (...params: Parameters<RunnerHooks[K]>) => void)(...args)
      } catch (err) {
        this.#log.error({ err, hook: name }, 'runner hook failed')
      }
    }
  }

  /** Awaits every beforeStart hook in order; the first throw is the caller's. */
  async beforeStart (): Promise<void> {
    for (const hook of this.#hooks.beforeStart) await hook()
  }

  /** Awaits every beforeUpgrade hook in order; the first throw is the caller's (it cancels the upgrade). */
  async beforeUpgrade (): Promise<void> {
    for (const hook of this.#hooks.beforeUpgrade) await hook()
  }

  /** Awaits every afterStop hook in reverse order; a throw is logged and the others still run. */
  async afterStop (): Promise<void> {
    for (const hook of [...this.#hooks.afterStop].reverse()) {
      try {
        await hook()
      } catch (err) {
        this.#log.error({ err }, 'runner hook failed')
      }
    }
  }
}
