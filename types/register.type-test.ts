// Type tests: runner.register(plugin, opts) checks the plugin's own options as fastify.register
// does, while `opts.service` stays typed. Checked by `npm run test:types`.
import websocket from '@fastify/websocket'
import type { FastifyPluginAsync, FastifyPluginCallback } from 'fastify'
import { createRunner } from '../lib/index.ts'
import type { Runner } from './index.ts'

function expectType<T> (value: T): T { return value }

interface CorsLikeOptions { readonly origin?: string | boolean, readonly credentials?: boolean }
const corsLike: FastifyPluginCallback<CorsLikeOptions> = (_app, _opts, done) => done()
const pool: FastifyPluginAsync<{ readonly connectionString: string }> = async () => {}

const runner = createRunner({ signals: false })
expectType<Runner>(runner.register(corsLike, { origin: 'https://example.com' }))
runner.register(corsLike, { origin: true, credentials: true, service: { name: 'cors', dependsOn: [] } })
runner.register(corsLike)
runner.register(pool, { connectionString: 'postgres://localhost/app', service: { name: 'pool', timeouts: { init: 1_000 } } })
// Fastify's own register options go through too.
runner.register(corsLike, { prefix: '/api', logLevel: 'warn', origin: false })
// An ecosystem plugin, typed by its own package.
runner.register(websocket, { options: { maxPayload: 1_048_576 }, service: { name: 'ws' } })
// An inline plugin's options come from its parameter.
runner.register(async (_app, opts: { readonly greeting: string }) => { expectType<string>(opts.greeting) }, { greeting: 'hello' })

// @ts-expect-error origin is a string or a boolean, as fastify.register says
runner.register(corsLike, { origin: 123 })
// @ts-expect-error the plugin's options are checked beside a service too
runner.register(corsLike, { origin: 123, service: { name: 'cors' } })
// @ts-expect-error the plugin's own option is a string
runner.register(pool, { connectionString: 5432, service: { name: 'pool' } })
// @ts-expect-error an ecosystem plugin's options are checked
runner.register(websocket, { options: { maxPayload: 'one megabyte' } })
// @ts-expect-error an inline plugin's options are checked
runner.register(async (_app, _opts: { readonly greeting: string }) => {}, { greeting: 1 })
// @ts-expect-error opts.service is typed: dependsOn is a list of names
runner.register(corsLike, { service: { name: 'cors', dependsOn: 'store' } })
// @ts-expect-error opts.service needs a name
runner.register(corsLike, { origin: true, service: { dependsOn: [] } })
// @ts-expect-error as with fastify.register: no unknown option for a plugin that declares its own
runner.register(corsLike, { origni: true })
