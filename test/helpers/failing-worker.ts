// A service whose run the test fails at will, restarted on failure at once: for tests of restarts.
import { defineService } from '../../lib/index.ts'
import type { Service, ServiceDefinition } from '../../types/index.ts'

export interface FailingWorker {
  readonly service: Service
  /** Rejects the run of the current life. */
  fail (): void
  /** Lives begun so far (1 in the first). */
  lives (): number
}

export function failingWorker (more: Partial<ServiceDefinition> = {}): FailingWorker {
  let lives = 0
  let fail: () => void = () => {}
  const service = defineService({
    name: 'worker',
    restart: { policy: 'on-failure', backoff: { initial: 1, jitter: 0 } },
    run: (ctx) => new Promise<void>((resolve, reject) => {
      lives++
      fail = () => reject(new Error('lost the queue'))
      ctx.signal.addEventListener('abort', () => resolve())
    }),
    ...more,
  })
  return { service, fail: () => fail(), lives: () => lives }
}
