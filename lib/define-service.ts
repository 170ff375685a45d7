// defineService and the validation shared by both ways of declaring a service
// (a definition, or a plain plugin registered with `{ service: { ... } }`).
import type { FastifyInstance } from 'fastify'
import type { AnyFastifyPlugin, DecorationsOf, Dependency, PluginServiceOptions, Service, ServiceDefinition, ServiceHealthOptions, ServiceTimeouts } from '../types/index.ts'
import { FSR_ERR_INVALID_SERVICE, FSR_ERR_SERVICE_OUTSIDE_RUNNER } from './errors.ts'
import { readServiceHealthOptions } from './health-options.ts'
import { Problems, readTimeouts } from './options.ts'
import { NO_RESTART, readRestartOptions, type ResolvedRestartOptions } from './restart-policy.ts'
import { SERVICE_NAME, SERVICE_NAME_RULE } from './service-name.ts'

const HOOKS = ['init', 'run', 'ready', 'stop', 'drain', 'beforeUpgrade', 'check'] as const
const DEFINITION_KEYS = new Set(['name', 'dependsOn', 'timeouts', 'health', 'once', 'restart', ...HOOKS])
// Called only on a running service, which a task never is: refused beside `once: true`.
const NOT_FOR_TASKS = ['ready', 'check', 'drain', 'beforeUpgrade'] as const
// The hooks a plain plugin's `opts.service` may carry: its plugin body is its init, its onClose hooks its stop.
const PLUGIN_HOOKS = ['check', 'drain'] as const
const PLUGIN_SERVICE_KEYS = new Set(['name', 'dependsOn', 'timeouts', 'health', 'restart', ...PLUGIN_HOOKS])
// What a service name (and a health source's) may be, and how to say so.
export { SERVICE_NAME, SERVICE_NAME_RULE }

// The properties fastify-plugin gives a plugin; Fastify and avvio read them.
export const SKIP_OVERRIDE = Symbol.for('skip-override')
export const DISPLAY_NAME = Symbol.for('fastify.display-name')
export const PLUGIN_META = Symbol.for('plugin-meta')

/** A service as the runner keeps it: validated, with its timeouts still partial (the runner fills them in). */
export interface ServiceSpec {
  readonly name: string
  readonly dependsOn: readonly string[]
  readonly timeouts: ServiceTimeouts
  /** Its health options as given (interval and timeout default to the runner's). */
  readonly health: ServiceHealthOptions
  /** Its restart policy, resolved (`never` when it has none). */
  readonly restart: ResolvedRestartOptions
  /** The hooks: a definition, or for a plain plugin the `check` and `drain` of its `opts.service` (undefined without either). */
  readonly definition: Readonly<ServiceDefinition> | undefined
  readonly plugin: AnyFastifyPlugin | undefined
  readonly pluginOptions: Readonly<Record<string, unknown>>
}

const NO_TIMEOUTS = { init: 0, ready: 0, stop: 0 }
const NO_DEPENDENCIES: readonly string[] = Object.freeze([])
// Shared by every spec that has none: an empty object each adds up over many services.
const NOTHING = Object.freeze({})

function validate (input: unknown, keys: Set<string>, hooks: readonly string[]): { name: string, problems: Problems, restart: ResolvedRestartOptions } {
  const problems = new Problems()
  if (input === null || typeof input !== 'object') {
    problems.add('definition', input, 'an object with at least a name')
    return { name: '(unnamed)', problems, restart: NO_RESTART }
  }
  const fields = input as Record<string, unknown>
  for (const key in fields) {
    if (!Object.hasOwn(fields, key) || keys.has(key)) continue
    if (key === 'once') problems.add(key, fields[key], 'no once here: a plain plugin has no run; declare a task with defineService({ name, once: true, run })')
    else problems.add(key, fields[key], `no such field (accepted: ${[...keys].join(', ')})`)
  }
  const name = typeof fields.name === 'string' ? fields.name : '(unnamed)'
  if (typeof fields.name !== 'string' || !SERVICE_NAME.test(fields.name)) problems.add('name', fields.name, SERVICE_NAME_RULE)
  const dependsOn = fields.dependsOn
  if (dependsOn !== undefined && (!Array.isArray(dependsOn) || !dependsOn.every((dep) => typeof dep === 'string' || isService(dep)))) {
    problems.add('dependsOn', dependsOn, 'an array of service names (or of services from defineService)')
  }
  for (const hook of hooks) {
    if (fields[hook] !== undefined && typeof fields[hook] !== 'function') problems.add(hook, fields[hook], 'a function (ctx) => value or promise')
  }
  if (keys === DEFINITION_KEYS) validateTask(problems, fields)
  if (fields.timeouts !== undefined) readTimeouts(problems, 'timeouts', fields.timeouts, {}, NO_TIMEOUTS, false)
  // Interval and timeout time a `check`: a definition may set them ahead of one, a plain plugin only beside its check.
  const canTime = keys === DEFINITION_KEYS || fields.check !== undefined
  if (fields.health !== undefined) readServiceHealthOptions(problems, 'health', fields.health, canTime)
  const restart = readRestartOptions(problems, 'restart', fields.restart)
  // Fastify loads no plugin once the app has booted (avvio: AVV_ERR_ROOT_PLG_BOOTED), so a plain plugin cannot start again.
  if (keys === PLUGIN_SERVICE_KEYS) refusePluginRestart(problems, fields.restart)
  return { name, problems, restart }
}

const PLUGIN_RESTART_RULE = 'for a plain plugin: avvio loads a plugin once and Fastify refuses routes and decorators after ready, so a restart cannot run it again; wrap the resource in defineService, whose init and stop own it (behind a getter) and run again on every restart'

function refusePluginRestart (problems: Problems, restart: unknown): void {
  if (restart === null || typeof restart !== 'object') return
  const { policy, whenUnhealthyFor } = restart as Record<string, unknown>
  if (policy !== undefined && policy !== 'never') problems.add('restart.policy', policy, `"never" ${PLUGIN_RESTART_RULE}`)
  if (whenUnhealthyFor !== undefined) problems.add('restart.whenUnhealthyFor', whenUnhealthyFor, `none ${PLUGIN_RESTART_RULE}`)
}

/** `once: true` makes a task: it needs a run, and none of the hooks of a service that runs on. */
function validateTask (problems: Problems, fields: Record<string, unknown>): void {
  if (fields.once === undefined || fields.once === false) return
  if (fields.once !== true) {
    problems.add('once', fields.once, 'true or false')
    return
  }
  if (fields.run === undefined) problems.add('run', fields.run, 'a function (ctx) => promise: a task (once: true) is done when its run resolves')
  for (const hook of NOT_FOR_TASKS) {
    if (fields[hook] !== undefined) problems.add(hook, typeof fields[hook], `none on a task (once: true): a task never runs on, it is done when its run resolves`)
  }
  // A policy retries a task's failed run during the boot; health restarts only a running service.
  const whenUnhealthyFor = (fields.restart as { whenUnhealthyFor?: unknown } | null | undefined)?.whenUnhealthyFor
  if (whenUnhealthyFor !== undefined) problems.add('restart.whenUnhealthyFor', whenUnhealthyFor, 'none on a task (once: true): a task is never running; policy on-failure retries its run')
}

function throwIfInvalid (name: string, problems: Problems): void {
  if (problems.list.length > 0) {
    throw Object.assign(new FSR_ERR_INVALID_SERVICE(JSON.stringify(name), problems.list.join('\n')), { problems: [...problems.list] })
  }
}

/** The names of `dependsOn`, which names a service or gives the service itself. */
function dependencyNames (dependsOn: readonly Dependency[] | undefined): readonly string[] {
  if (dependsOn === undefined || dependsOn.length === 0) return NO_DEPENDENCIES
  return Object.freeze(dependsOn.map((dependency) => typeof dependency === 'string' ? dependency : dependency.definition.name))
}

/**
 * Declares a service: a named unit with `init`, `run`, `ready` and `stop`, registered with `runner.register()`.
 * `Decorations` is what its `init` decorates `ctx.app` with (types only); `ctx.app` has what the services
 * given in `dependsOn` decorate (inferred, or the type argument `Dependencies` when `Decorations` is given).
 */
export function defineService<Decorations extends object = {}, const Dependencies extends readonly Dependency[] = readonly string[]> (
  definition: ServiceDefinition<FastifyInstance & DecorationsOf<Dependencies[number]>, Dependencies>,
): Service<Decorations & DecorationsOf<Dependencies[number]>> {
  const { name, problems } = validate(definition, DEFINITION_KEYS, HOOKS)
  throwIfInvalid(name, problems)
  const dependsOn = dependencyNames(definition.dependsOn)
  // Not `{ ...definition, dependsOn }`: V8 gives each object made that way a hidden class of its own
  // (about 0.3 KB kept per service); Object.assign onto a literal shares one.
  const frozen = Object.freeze(Object.assign({}, definition, { dependsOn }))
  // Registered on a bare Fastify instance, a service has nobody to run its lifecycle: say so.
  const service = async function (): Promise<void> {
    throw new FSR_ERR_SERVICE_OUTSIDE_RUNNER(name)
  }
  // Fastify names a plugin by this symbol first. Redefining the function's own `name` instead
  // would cost more than all the rest of defineService together (V8 changes the function's shape).
  service[DISPLAY_NAME] = name
  service.definition = frozen
  return service as Service<Decorations & DecorationsOf<Dependencies[number]>>
}

export function isService (value: unknown): value is Service {
  return typeof value === 'function' && typeof (value as Partial<Service>).definition === 'object'
}

/** Turns what `runner.register()` received into a spec, or throws FSR_ERR_INVALID_SERVICE. */
export function toServiceSpec (target: unknown, opts: Readonly<Record<string, unknown>> | undefined): ServiceSpec | undefined {
  if (isService(target)) {
    const { definition } = target
    return {
      name: definition.name,
      dependsOn: definition.dependsOn ?? NO_DEPENDENCIES,
      timeouts: definition.timeouts ?? NOTHING,
      health: definition.health ?? NOTHING,
      // Validated by defineService already.
      restart: definition.restart === undefined ? NO_RESTART : readRestartOptions(new Problems(), 'restart', definition.restart),
      definition,
      plugin: undefined,
      pluginOptions: NOTHING,
    }
  }
  if (typeof target !== 'function') {
    const problems = new Problems()
    problems.add('service', target, 'a service from defineService() or a Fastify plugin function')
    throwIfInvalid('(unnamed)', problems)
  }
  if (opts?.service === undefined) return undefined
  const { name, problems, restart } = validate(opts.service, PLUGIN_SERVICE_KEYS, PLUGIN_HOOKS)
  throwIfInvalid(name, problems)
  const service = opts.service as PluginServiceOptions
  const { service: _omitted, ...pluginOptions } = opts
  const { check, drain } = service
  return {
    name: service.name,
    dependsOn: dependencyNames(service.dependsOn),
    timeouts: service.timeouts ?? {},
    health: service.health ?? {},
    restart,
    // The runner reads a service's hooks from its definition; the plugin itself stands for init and stop.
    definition: check === undefined && drain === undefined ? undefined : Object.freeze({ name: service.name, check, drain }),
    plugin: target as AnyFastifyPlugin,
    pluginOptions,
  }
}
