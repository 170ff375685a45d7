// The errors of the admin server, created once with stable codes. Those that reach HTTP carry
// their status code; the package's `errors` export lists them with the core's.
import createError from '@fastify/error'

export const FSR_ERR_ADMIN_LISTEN = createError<[string, number, string, { cause: unknown }]>(
  'FSR_ERR_ADMIN_LISTEN',
  'the admin server could not listen on %s:%d: %s',
  0,
)

export const FSR_ERR_ADMIN_UNAUTHORIZED = createError<[string, string]>(
  'FSR_ERR_ADMIN_UNAUTHORIZED',
  '%s %s requires the header "Authorization: Bearer <admin token>"',
  401,
)

export const FSR_ERR_METHOD_NOT_ALLOWED = createError<[string, string, string]>(
  'FSR_ERR_METHOD_NOT_ALLOWED',
  'method %s is not allowed on %s (allowed: %s)',
  405,
)

export const FSR_ERR_INVALID_REQUEST = createError<[string]>(
  'FSR_ERR_INVALID_REQUEST',
  'invalid request: %s',
  400,
)
