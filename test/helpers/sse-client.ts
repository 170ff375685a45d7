// A Server-Sent Events client for tests: reads the stream of a GET as {id, event, data} messages.
import { get, type IncomingMessage } from 'node:http'
import { createInterface } from 'node:readline'

export interface SseMessage {
  readonly id: string | undefined
  readonly event: string
  readonly data: any
}

export interface SseClient {
  readonly response: IncomingMessage
  /** The next message whose event is `event` (any when omitted), skipping the others. */
  next (event?: string): Promise<SseMessage>
  /** Resolves once the server has ended the stream. */
  readonly ended: Promise<void>
  close (): void
}

export async function connectSse (url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const response = await new Promise<IncomingMessage>((resolve, reject) => get(url, { headers }, resolve).on('error', reject))
  const queue: SseMessage[] = []
  const waiters: Array<() => void> = []
  let fields: Record<string, string> = {}
  const lines = createInterface({ input: response })
  lines.on('line', (line) => {
    if (line === '') {
      if (fields.data !== undefined) queue.push({ id: fields.id, event: fields.event ?? 'message', data: JSON.parse(fields.data) })
      fields = {}
      for (const wake of waiters.splice(0)) wake()
      return
    }
    const colon = line.indexOf(':')
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart()
  })
  const ended = new Promise<void>((resolve) => response.once('close', resolve))
  response.once('close', () => { for (const wake of waiters.splice(0)) wake() })
  return {
    response,
    ended,
    async next (event) {
      for (;;) {
        const index = queue.findIndex((message) => event === undefined || message.event === event)
        if (index !== -1) return queue.splice(0, index + 1).at(-1)!
        if (response.destroyed || response.complete) throw new Error(`the stream ended before a "${event ?? 'any'}" event`)
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
    },
    close () { response.destroy() },
  }
}
