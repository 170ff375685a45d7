// Builds the package's createRunner from the core runner and built-in plugins, without knowing
// any of them: each built-in owns one runner option, resolves it (its problems are reported in one
// error with the core's), and installs itself on a fresh runner before the caller registers anything.
import type { BuiltinPlugin } from '../types/builtin-plugin.ts'
import type { ResolvedRunnerOptions, Runner, RunnerOptions } from '../types/index.ts'
import { FSR_ERR_INVALID_OPTIONS } from './errors.ts'
import { resolveRunnerOptions } from './options.ts'
import { createRunner as createCoreRunner } from './runner.ts'

/** Returns a createRunner that resolves every option first, then installs `builtins` in order. */
export function composeRunner (builtins: ReadonlyArray<BuiltinPlugin<any>>): (input?: RunnerOptions) => Runner {
  const owned = new Set<string>(builtins.map((builtin) => builtin.option))
  return function createRunner (input: RunnerOptions = {}): Runner {
    const isObject = input !== null && typeof input === 'object' && !Array.isArray(input)
    const given = (isObject ? input : {}) as Record<string, unknown>
    const coreInput = isObject
      ? Object.fromEntries(Object.entries(given).filter(([key]) => !owned.has(key))) as RunnerOptions
      : input
    const problems: string[] = []
    const collect = (err: unknown): undefined => {
      const { code, problems: found } = err as { code?: string, problems?: unknown }
      if (code !== 'FSR_ERR_INVALID_OPTIONS' || !Array.isArray(found)) throw err
      problems.push(...found)
      return undefined
    }
    let server: ResolvedRunnerOptions['server'] | undefined
    try {
      server = resolveRunnerOptions(coreInput, process.env, [...owned]).server
    } catch (err) {
      collect(err)
      // Other core options are wrong: the built-ins may still check themselves against the server.
      try {
        server = resolveRunnerOptions({ server: given.server } as RunnerOptions).server
      } catch {}
    }
    const resolved = builtins.map((builtin) => {
      try {
        return builtin.resolve(given[builtin.option], process.env, server)
      } catch (err) {
        return collect(err)
      }
    })
    if (problems.length > 0) {
      throw Object.assign(new FSR_ERR_INVALID_OPTIONS(problems.join('\n')), { problems })
    }
    const mixins = builtins.map((builtin, i) => builtin.logMixin?.(resolved[i])).filter((mixin) => mixin !== undefined)
    const runner = createCoreRunner(coreInput, { logMixin: combineMixins(mixins) })
    builtins.forEach((builtin, i) => builtin.install(runner, resolved[i]))
    return runner
  }
}

/** One pino mixin made of several (undefined for none: pino then calls nothing per line). */
function combineMixins (mixins: ReadonlyArray<() => object>): (() => object) | undefined {
  if (mixins.length <= 1) return mixins[0]
  return () => Object.assign({}, ...mixins.map((mixin) => mixin()))
}
