// Notes: the domain on top of the store. Each note may expire; `app.notes` is what routes and jobs use.
import type { Store } from '../store/store.ts'
import { Counter } from 'prom-client'
import { defineService } from '../../lib/index.ts'

export interface Note {
  readonly id: number
  readonly text: string
  readonly createdAt: string
  /** When the janitor may delete the note; null for a note that never expires. */
  readonly expiresAt: string | null
}

export interface NewNote {
  readonly text: string
  /** Seconds the note lives; omitted for a note that never expires. */
  readonly ttlSeconds?: number
}

interface NoteRow { id: number, text: string, created_at: Date, expires_at: Date | null }

const COLUMNS = 'id, text, created_at, expires_at'

function toNote (row: NoteRow): Note {
  return { id: row.id, text: row.text, createdAt: row.created_at.toISOString(), expiresAt: row.expires_at?.toISOString() ?? null }
}

export class Notes {
  readonly #db: Store
  readonly #created: Counter

  constructor (db: Store, created: Counter) {
    this.#db = db
    this.#created = created
  }

  async create ({ text, ttlSeconds }: NewNote): Promise<Note> {
    const { rows } = await this.#db.query<NoteRow>(
      `insert into notes (text, expires_at)
       values ($1, case when $2::int is null then null else now() + make_interval(secs => $2::int) end)
       returning ${COLUMNS}`,
      [text, ttlSeconds ?? null],
    )
    this.#created.inc()
    return toNote(rows[0])
  }

  /** The live notes, newest first. */
  async list (limit: number): Promise<Note[]> {
    const { rows } = await this.#db.query<NoteRow>(
      `select ${COLUMNS} from notes where expires_at is null or expires_at > now() order by id desc limit $1`,
      [limit],
    )
    return rows.map(toNote)
  }

  /** The note, or undefined when there is none (or it has expired). */
  async get (id: number): Promise<Note | undefined> {
    const { rows } = await this.#db.query<NoteRow>(
      `select ${COLUMNS} from notes where id = $1 and (expires_at is null or expires_at > now())`,
      [id],
    )
    return rows.length === 0 ? undefined : toNote(rows[0])
  }

  /** Deletes the expired notes; returns their ids. */
  async purgeExpired (): Promise<number[]> {
    const { rows } = await this.#db.query<{ id: number }>('delete from notes where expires_at <= now() returning id')
    return rows.map((row) => row.id)
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The notes domain, decorated by the `notes` service. */
    readonly notes: Notes
  }
}

export const notes = defineService({
  name: 'notes',
  dependsOn: ['migrate'],
  // Notes cannot work without the store: its health follows the store's, unhealthy included.
  health: { follow: ['store'], unhealthyWhen: 'any' },
  init (ctx) {
    // The runner's registry: served by the admin server's /metrics.
    const created = new Counter({ name: 'example_notes_created_total', help: 'Notes created', registers: [ctx.metrics] })
    ctx.app.decorate('notes', new Notes(ctx.app.store, created))
  },
})
