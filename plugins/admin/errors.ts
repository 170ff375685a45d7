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

export const FSR_ERR_ADMIN_CROSS_SITE = createError<[string, string]>(
  'FSR_ERR_ADMIN_CROSS_SITE',
  '%s %s was sent by a page of another site (its Origin or Sec-Fetch-Site says so); the admin server takes protected requests only from its own pages and from clients that are not browsers',
  403,
)

export const FSR_ERR_ADMIN_HOST = createError<[string]>(
  'FSR_ERR_ADMIN_HOST',
  'the Host header %s does not name a loopback address: an admin server on loopback answers only to 127.0.0.1, [::1] or localhost (a page of another site reaching it through DNS rebinding uses a name of its own)',
  403,
)
