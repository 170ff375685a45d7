// Errors of the example's store, each created once with a stable code (listed in example/README.md).
import createError from '@fastify/error'

// None of these reach HTTP by themselves.
const NO_HTTP = 0

export const FSR_ERR_EXAMPLE_STORE_OPTIONS = createError<[string]>(
  'FSR_ERR_EXAMPLE_STORE_OPTIONS',
  'invalid store settings:\n%s',
  NO_HTTP, TypeError,
)

export const FSR_ERR_EXAMPLE_STORE_EXITED = createError<[string, string]>(
  'FSR_ERR_EXAMPLE_STORE_EXITED',
  'the store process exited before it was ready (%s); its log is %s',
  NO_HTTP,
)

export const FSR_ERR_EXAMPLE_STORE_GONE = createError<[string]>(
  'FSR_ERR_EXAMPLE_STORE_GONE',
  'the connection to the store process is closed: %s',
  NO_HTTP,
)

export const FSR_ERR_EXAMPLE_QUERY = createError<[string]>(
  'FSR_ERR_EXAMPLE_QUERY',
  'query failed: %s',
  NO_HTTP,
)
