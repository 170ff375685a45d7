// Response schemas of the health routes: they document the JSON and keep anything else
// (stack traces, error objects, secrets) from being serialized.

const HEALTH_STATUS = { type: 'string', enum: ['healthy', 'degraded', 'unhealthy', 'unknown'] } as const

export const serviceHealthSchema = {
  type: 'object',
  required: ['health', 'since', 'critical'],
  properties: {
    state: { type: 'string', description: 'lifecycle state (registered, initiating, ..., running, ..., failed, or completed for a task); absent for a health-only entry such as `process`' },
    stateSince: { type: 'integer', description: 'epoch ms of the last lifecycle transition' },
    health: HEALTH_STATUS,
    since: { type: 'integer', description: 'epoch ms since the health status is what it is' },
    reason: { type: 'string', description: 'why the status is what it is (an error message, never a stack)' },
    lastCheck: { type: 'integer', description: 'epoch ms of the last report or passive check' },
    critical: { type: 'boolean', description: 'whether the entry counts in `status` and readiness' },
  },
} as const

export const healthSchema = {
  type: 'object',
  required: ['status', 'live', 'ready', 'runner', 'unhealthy', 'services'],
  properties: {
    status: HEALTH_STATUS,
    live: { type: 'boolean' },
    ready: { type: 'boolean' },
    runner: { type: 'string', description: 'created, starting, running, draining, stopping or stopped' },
    unhealthy: { type: 'array', items: { type: 'string' }, description: 'critical entries that are unhealthy' },
    services: { type: 'object', additionalProperties: serviceHealthSchema },
  },
} as const

export const liveSchema = {
  type: 'object',
  required: ['live', 'uptime', 'eventLoopDelay'],
  properties: {
    live: { type: 'boolean', const: true },
    uptime: { type: 'number', description: 'seconds since the process started' },
    eventLoopDelay: { type: 'number', description: 'p99 event-loop delay over the last interval, ms' },
  },
} as const

export const readySchema = {
  type: 'object',
  required: ['ready', 'runner'],
  properties: {
    ready: { type: 'boolean' },
    runner: { type: 'string' },
    unhealthy: { type: 'array', items: { type: 'string' }, description: 'services whose health keeps the process from being ready' },
  },
} as const
