// The errors of the profiling endpoints, created once with stable codes.
import createError from '@fastify/error'

export const FSR_ERR_PROFILE_BUSY = createError<[string]>(
  'FSR_ERR_PROFILE_BUSY',
  'a profile is already being taken (%s); one at a time, try again when it is done',
  429,
)
