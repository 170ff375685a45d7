// The errors of the pressure plugin, created once with stable codes; the package's `errors` export
// lists them with the core's.
import createError from '@fastify/error'

export const FSR_ERR_UNDER_PRESSURE = createError(
  'FSR_ERR_UNDER_PRESSURE',
  'the server is under pressure; retry later',
  503,
)

export const FSR_ERR_PRESSURE_SERVER = createError(
  'FSR_ERR_PRESSURE_SERVER',
  'pressure: load shedding takes over the main server\'s request listener and found %s of them (accepted: exactly one, the handler Fastify gives its server); with a custom serverFactory, attach only that handler, or set pressure: false',
)
