import assert from 'node:assert/strict'
import { getEventListeners, setMaxListeners } from 'node:events'
import { test } from 'node:test'
import { pino } from 'pino'
import type { LifecycleTransition } from '../../types/index.ts'
import { LifecycleWatchHub } from '../../lib/lifecycle-watch.ts'
import { Lifecycle } from '../../lib/lifecycle.ts'
import { serviceLogOf } from '../../lib/service-log.ts'

/** A hub over real lifecycles `store` and `cache`, announcing their transitions through `hooks`, as the runner does. */
function createHub (): { hub: LifecycleWatchHub, hooks: Array<(transition: LifecycleTransition) => void>, store: Lifecycle } {
  const hooks: Array<(transition: LifecycleTransition) => void> = []
  const announce = { onTransition: (lifecycle: Lifecycle) => { for (const hook of hooks) hook(lifecycle.last()) } }
  const log = serviceLogOf(pino({ level: 'silent' }))
  const lifecycles = new Map(['store', 'cache'].map((name) => [name, new Lifecycle(name, log, announce)]))
  const hub = new LifecycleWatchHub({ lifecycle: (name) => lifecycles.get(name), names: () => lifecycles.keys() }, hooks)
  return { hub, hooks, store: lifecycles.get('store') as Lifecycle }
}

/** Lets the hub leave the hooks (it does so in a microtask, outside the runner's loop over them). */
async function settle (): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
}

test('no watcher, no hook: transitions cost the runner nothing without watchers', async () => {
  const { hub, hooks } = createHub()
  assert.equal(hooks.length, 0)
  const controller = new AbortController()
  const iterator = hub.api.states({ signal: controller.signal })
  assert.equal(hooks.length, 1, 'the hub joined the hooks')
  controller.abort()
  await settle()
  assert.deepEqual(await iterator.next(), { done: true, value: undefined })
  assert.equal(hooks.length, 0, 'and left them')
})

test('no listener is left once an iterator is aborted or its loop is left', async () => {
  const { hub, hooks, store } = createHub()
  const controller = new AbortController()
  const { signal } = controller
  const iterators = [
    hub.api.states({ signal }),
    hub.api.states({ include: ['store'], signal }),
    hub.api.states({ exclude: ['cache'], signal }),
    hub.api.any(['store', 'cache'], { entering: 'running', signal }),
    hub.api.any('store', { exiting: 'running', signal }),
    hub.api.any('cache', { notIn: 'running', signal }),
  ]
  assert.equal(hub.size, 6)
  assert.equal(getEventListeners(signal, 'abort').length, 6)
  store.transition('initiating')
  controller.abort()
  await settle()
  assert.equal(hub.size, 0)
  assert.equal(getEventListeners(signal, 'abort').length, 0)
  assert.equal(hooks.length, 0)
  for (const iterator of iterators) assert.deepEqual(await iterator.next(), { done: true, value: undefined })

  const other = new AbortController()
  for await (const transition of hub.api.states({ signal: other.signal })) {
    assert.equal(transition.to, 'initiating')
    break
  }
  await settle()
  assert.equal(hub.size, 0, 'leaving the loop unsubscribes')
  assert.equal(getEventListeners(other.signal, 'abort').length, 0)
  assert.equal(hooks.length, 0)
})

test('no listener is left once until() resolves, times out or is aborted', async (t) => {
  const { hub, hooks, store } = createHub()
  const controller = new AbortController()
  const { signal } = controller
  const check = async (why: string): Promise<void> => {
    await settle()
    assert.equal(hub.size, 0, why)
    assert.equal(getEventListeners(signal, 'abort').length, 0, why)
    assert.equal(hooks.length, 0, why)
  }
  const initiating = hub.api.until({ all: ['store'], state: 'initiating' }, { signal, timeout: 1_000 })
  assert.equal(hub.size, 1)
  store.transition('initiating')
  assert.deepEqual(await initiating, ['store'])
  await check('resolved')

  t.mock.timers.enable({ apis: ['setTimeout'] })
  const late = hub.api.until({ any: ['cache'], state: 'running' }, { signal, timeout: 100 })
  t.mock.timers.tick(100)
  await assert.rejects(late, { code: 'FSR_ERR_WATCH_TIMEOUT' })
  t.mock.timers.reset()
  await check('timed out')

  const aborted = hub.api.until({ any: ['cache'], state: 'running' }, { signal })
  controller.abort()
  await assert.rejects(aborted, { code: 'FSR_ERR_WATCH_ABORTED' })
  await check('aborted')
})

test('a service watcher listens on its own signal only until it ends', async () => {
  const { hub } = createHub()
  const own = new AbortController()
  const owner = { signal: own.signal }
  assert.equal(hub.of(owner), hub.of(owner), 'one watch per service')
  const caller = new AbortController()
  const iterator = hub.of(owner).states({ signal: caller.signal })
  assert.equal(getEventListeners(own.signal, 'abort').length, 1)
  caller.abort()
  assert.equal(getEventListeners(own.signal, 'abort').length, 0, 'the caller\'s abort also frees the service\'s signal')
  assert.deepEqual(await iterator.next(), { done: true, value: undefined })
  const waiting = hub.of(owner).until({ any: ['cache'], state: 'running' })
  own.abort(new Error('the service is stopping'))
  await assert.rejects(waiting, { code: 'FSR_ERR_WATCH_ABORTED' })
  assert.equal(getEventListeners(own.signal, 'abort').length, 0)
  assert.equal(hub.size, 0)
})

test('a service with many watchers puts one listener on its signal, so Node never warns of a leak', async (t) => {
  const { hub } = createHub()
  const warnings: string[] = []
  const onWarning = (warning: Error): void => { warnings.push(warning.name) }
  process.on('warning', onWarning)
  t.after(() => process.off('warning', onWarning))
  const own = new AbortController()
  const owner = { signal: own.signal }
  const caller = new AbortController()
  setMaxListeners(30, caller.signal)
  const iterators = Array.from({ length: 20 }, () => hub.of(owner).states({ signal: caller.signal }))
  const waits = Array.from({ length: 5 }, () => hub.of(owner).until({ any: ['cache'], state: 'running' }))
  assert.equal(getEventListeners(own.signal, 'abort').length, 1, 'one, however many watchers')
  await settle()
  assert.deepEqual(warnings.filter((name) => name === 'MaxListenersExceededWarning'), [])
  caller.abort()
  for (const iterator of iterators) assert.deepEqual(await iterator.next(), { done: true, value: undefined })
  assert.equal(getEventListeners(own.signal, 'abort').length, 1, 'the waits still listen')
  own.abort(new Error('the service is stopping'))
  for (const wait of waits) await assert.rejects(wait, { code: 'FSR_ERR_WATCH_ABORTED' })
  assert.equal(getEventListeners(own.signal, 'abort').length, 0)
  assert.equal(hub.size, 0)
  // Once its signal aborted, what the service watches next ends at once.
  assert.deepEqual(await hub.of(owner).states().next(), { done: true, value: undefined })
  await assert.rejects(hub.of(owner).until({ any: ['cache'], state: 'running' }), { code: 'FSR_ERR_WATCH_ABORTED' })
})
