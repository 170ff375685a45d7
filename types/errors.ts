// Errors: the shape of every error of the package, by code (types only). The codes themselves come
// from the errors the package creates (`ErrorCode`, in the package's face), so none can be missing here.
import type { FastifyError } from '@fastify/error'

/** A connection destroyed at the drain deadline: whom it was with, what it carried, and the requests it still had. */
export interface DestroyedConnection {
  readonly remote: string
  /** HTTP requests (drained), or a connection open by design (closed by the application). */
  readonly kind: 'http' | 'websocket' | 'event-stream'
  /** `METHOD url` of each request it was still answering. */
  readonly requests: readonly string[]
}

/** The fields an error carries besides `code`, `message` and `cause`, for the codes that carry some. */
export interface ErrorFields {
  readonly FSR_ERR_INVALID_OPTIONS: {
    /** Every problem of the options and `FSR_*` variables, one sentence each. */
    readonly problems: readonly string[]
  }
  readonly FSR_ERR_INVALID_SERVICE: {
    /** Every problem of the definition (or `opts.service`), one sentence each. */
    readonly problems: readonly string[]
  }
  readonly FSR_ERR_SERVICE_START: {
    /** The service that failed to start. */
    readonly service: string
    /** Where it failed: `init`, `ready`, or `run` for a task. */
    readonly phase: 'init' | 'ready' | 'run'
  }
  readonly FSR_ERR_UNCLEAN_STOP: {
    /** The `FSR_ERR_SERVICE_STOP` error of each service that did not stop cleanly. */
    readonly errors: ReadonlyArray<FsrError<'FSR_ERR_SERVICE_STOP'>>
    /** The connections destroyed at the drain deadline. */
    readonly destroyed: readonly DestroyedConnection[]
    /** `ExitCode.UNCLEAN_STOP`. */
    readonly exitCode: number
  }
  readonly FSR_ERR_SHUTDOWN_TIMEOUT: {
    /** The services still stopping (or starting) at the deadline. */
    readonly services: readonly string[]
    /** The kinds of handles still open (`process.getActiveResourcesInfo()`), counted. */
    readonly handles: Readonly<Record<string, number>>
    /** `ExitCode.SHUTDOWN_TIMEOUT`. */
    readonly exitCode: number
  }
  readonly FSR_ERR_PRESTART: {
    /** The stage that failed. */
    readonly stage: string
    /** The attempt it failed on, from 1. */
    readonly attempt: number
  }
}

/**
 * The error of code `C` (a union of codes gives the union of their errors, told apart by `code`):
 * a `FastifyError` whose `code` is that literal, with the fields of `ErrorFields` that code carries.
 */
export type FsrError<C extends string> = C extends string
  ? FastifyError & { readonly code: C } & (C extends keyof ErrorFields ? ErrorFields[C] : unknown)
  : never

/** The constructor of the errors of code `C`; `instanceof` it narrows to `FsrError<C>`. */
export interface FsrErrorConstructor<C extends string, A extends unknown[]> {
  new (...args: A): FsrError<C>
  (...args: A): FsrError<C>
  readonly prototype: FsrError<C>
}
