// Bounds a promise by a time limit of ours, so no phase of a service can hang the runner.

/**
 * Settles like `work`, or rejects with `onTimeout()` after `ms` milliseconds (`0` = no limit).
 * The timer is cleared as soon as `work` settles; until then it keeps the process alive, so a hung
 * phase ends in a timeout error rather than in an event loop that quietly runs dry.
 */
export function withTimeout<T> (work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (ms === 0) return work
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms)
    work.then((value) => {
      clearTimeout(timer)
      resolve(value)
    }, (err: unknown) => {
      clearTimeout(timer)
      reject(err)
    })
  })
}

/** Calls `fn` with `arg` and turns a synchronous throw into a rejection; an async `fn`'s own promise is returned as it is. */
export function invoke<A, T> (fn: (arg: A) => T | Promise<T>, arg: A): Promise<T> {
  try {
    return Promise.resolve(fn(arg))
  } catch (err) {
    return Promise.reject(err)
  }
}
