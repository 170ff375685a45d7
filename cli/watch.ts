// `fsr watch`: follows the admin server's /events and prints one line per event until Ctrl-C.
// A dropped connection is resumed from the last event seen (Last-Event-ID), as a browser does.
import { setTimeout as delay } from 'node:timers/promises'
import { CliError, CliExit, request, type AdminTarget } from './admin-client.ts'
import type { CommandInput, Outcome } from './commands.ts'

interface Message { id: string | undefined, event: string, data: any }

/** Attempts, a second apart, to get the stream back before giving up. */
const RECONNECTS = 5

/** Splits an event stream into messages. */
async function * messages (body: ReadableStream<Uint8Array>): AsyncGenerator<Message> {
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true })
    let end
    while ((end = buffered.indexOf('\n\n')) !== -1) {
      const fields: Record<string, string> = {}
      for (const line of buffered.slice(0, end).split('\n')) {
        const colon = line.indexOf(':')
        if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart()
      }
      buffered = buffered.slice(end + 2)
      if (fields.data !== undefined) yield { id: fields.id, event: fields.event ?? 'message', data: JSON.parse(fields.data) }
    }
  }
}

function time (at: number): string {
  return new Date(at).toISOString().slice(11, 23)
}

/** One line of text per event; undefined for those not printed as text (process samples). */
export function describe ({ event, data }: Message): string | undefined {
  switch (event) {
    case 'snapshot': return `connected: runner ${data.runner}, health ${data.health.status}, ${data.services.length} services`
    case 'transition': return `${time(data.at)} ${data.service}: ${data.from ?? 'registered'} -> ${data.to} (${data.duration} ms in ${data.from ?? 'registration'})${data.error === undefined ? '' : `: ${data.error}`}`
    case 'health': return `${time(data.since)} ${data.service}: health ${data.previous} -> ${data.status}${data.reason === undefined ? '' : ` (${data.reason})`}; process ${data.process}`
    case 'restart': return data.decision === 'restart'
      ? `${time(data.at)} ${data.service}: restart in ${data.delay} ms (attempt ${data.attempt}, after ${data.reason})`
      : `${time(data.at)} ${data.service}: restarts given up (after ${data.reason})`
    default: return undefined
  }
}

async function open (target: AdminTarget, lastEventId: string | undefined): Promise<ReadableStream<Uint8Array>> {
  const headers: Record<string, string> = lastEventId === undefined ? {} : { 'last-event-id': lastEventId }
  // No timeout once connected: the stream stays open (a sample a second keeps it busy).
  const answer = await request({ ...target, timeout: 2 ** 31 - 1 }, 'GET', '/events', [200], undefined, headers)
  return answer.body.body as ReadableStream<Uint8Array>
}

export async function watch ({ target, json }: CommandInput): Promise<Outcome> {
  let lastEventId: string | undefined
  let body = await open(target, undefined)
  for (;;) {
    try {
      for await (const message of messages(body)) {
        if (message.id !== undefined) lastEventId = message.id
        const line = json ? JSON.stringify(message) : describe(message)
        if (line !== undefined) process.stdout.write(`${line}\n`)
      }
    } catch {}
    body = await reconnect(target, lastEventId)
  }
}

async function reconnect (target: AdminTarget, lastEventId: string | undefined): Promise<ReadableStream<Uint8Array>> {
  for (let attempt = 1; ; attempt++) {
    process.stderr.write('fsr: event stream ended, reconnecting\n')
    await delay(1_000)
    try {
      return await open(target, lastEventId)
    } catch (err) {
      if (attempt === RECONNECTS || !(err instanceof CliError) || err.exitCode !== CliExit.UNREACHABLE) throw err
    }
  }
}
