// Waits on health changes (never on the clock): resolves with the first change of `name`, the
// current entry included, that matches; a test's own timeout bounds the wait.
import type { HealthChange, ServiceHealth } from '../../lib/index.ts'

export async function waitForHealth (health: Pick<ServiceHealth, 'watch'>, name: string, match: (change: HealthChange) => boolean): Promise<HealthChange> {
  const controller = new AbortController()
  try {
    for await (const change of health.watch(name, { signal: controller.signal })) {
      if (match(change)) return change
    }
    throw new Error(`the health watch of "${name}" ended before a matching change`)
  } finally {
    controller.abort()
  }
}
