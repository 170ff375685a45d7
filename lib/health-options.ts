// Validates the `health` field of one service (a definition or `opts.service` of a plain plugin);
// its problems join the service's others in one FSR_ERR_INVALID_SERVICE.
import type { DerivedByFunction, DerivedByRule, ServiceHealthOptions } from '../types/index.ts'
import { readHealthTimers, readObject, type Problems } from './options.ts'

const RULES = ['never', 'any', 'all'] as const
const SHAPE_KEYS = ['critical', 'follow', 'unhealthyWhen', 'derive']

/** Reads `value` into frozen options; `interval` and `timeout` stay undefined unless given (the runner's apply). */
export function readServiceHealthOptions (problems: Problems, where: string, value: unknown, withTimers: boolean): ServiceHealthOptions {
  const input = readObject(problems, where, value)
  const accepted = withTimers ? ['interval', 'timeout', ...SHAPE_KEYS] : SHAPE_KEYS
  for (const key of Object.keys(input)) {
    if (!accepted.includes(key)) problems.add(`${where}.${key}`, input[key], `no such key (accepted: ${accepted.join(', ')})`)
  }
  const timers = withTimers ? readHealthTimers(problems, where, input, {}, {}, false) : {}
  const { critical, follow, unhealthyWhen, derive } = input
  if (critical !== undefined && typeof critical !== 'boolean') problems.add(`${where}.critical`, critical, 'true or false')
  if (follow !== undefined && (!Array.isArray(follow) || !follow.every((name) => typeof name === 'string'))) {
    problems.add(`${where}.follow`, follow, 'an array of names of services registered before this one')
  }
  if (unhealthyWhen !== undefined && !(RULES as readonly unknown[]).includes(unhealthyWhen)) {
    problems.add(`${where}.unhealthyWhen`, unhealthyWhen, `one of ${RULES.join(', ')}`)
  }
  if (derive !== undefined && typeof derive !== 'function') problems.add(`${where}.derive`, derive, 'a function (statuses) => status')
  if (derive !== undefined && unhealthyWhen !== undefined) {
    problems.add(`${where}.unhealthyWhen`, unhealthyWhen, 'nothing when derive is given (derive replaces the rule)')
  }
  return Object.freeze({
    ...timers,
    ...(typeof critical === 'boolean' ? { critical } : {}),
    ...(Array.isArray(follow) ? { follow: Object.freeze([...follow as string[]]) } : {}),
    // Both given is a problem above; the function is kept then, as it replaces the rule.
    ...(typeof derive === 'function'
      ? { derive: derive as DerivedByFunction['derive'] }
      : unhealthyWhen === undefined ? {} : { unhealthyWhen: unhealthyWhen as DerivedByRule['unhealthyWhen'] }),
  })
}
