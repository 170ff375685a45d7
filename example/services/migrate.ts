// The schema, as a one-shot task (`once: true`): it runs once the store is open, and the services
// registered after it start only when it has completed. A failed migration fails the boot, so
// nothing ever serves a half-made schema.
import { defineService } from '../../lib/index.ts'

const SCHEMA = `
  create table if not exists notes (
    id serial primary key,
    text text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz
  );
  create index if not exists notes_expires_at on notes (expires_at) where expires_at is not null;
`

export const migrate = defineService({
  name: 'migrate',
  dependsOn: ['store'],
  once: true,
  async run (ctx) {
    await ctx.app.store.query(SCHEMA)
    ctx.log.info({ tables: ['notes'] }, 'schema migrated')
  },
})
