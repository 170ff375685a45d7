// The errors of the pressure plugin, created once with stable codes; the package's `errors` export
// lists them with the core's.
import createError from '@fastify/error'

export const FSR_ERR_UNDER_PRESSURE = createError(
  'FSR_ERR_UNDER_PRESSURE',
  'the server is under pressure; retry later',
  503,
)
