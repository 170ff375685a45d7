// The store process's protocol: each message is a 4-byte length, then the message serialized with
// node:v8, so that Dates and BigInts in rows cross intact, as they would from PGlite or pg.
import type { Socket } from 'node:net'
import { deserialize, serialize } from 'node:v8'

export type StoreRequest =
  | { readonly id: number, readonly op: 'query', readonly text: string, readonly params?: readonly unknown[] }
  // The generation lets go of its lease; the answer comes once the store has closed, when it was the last.
  | { readonly id: number, readonly op: 'release' }

export type StoreResponse =
  // The first message on every connection: the lease is taken.
  | { readonly id: 0, readonly hello: { readonly pid: number } }
  | { readonly id: number, readonly rows: unknown[] }
  | { readonly id: number, readonly error: { readonly message: string, readonly code?: string } }
  | { readonly id: number, readonly released: true, readonly closed: boolean }

export function writeFrame (socket: Socket, message: StoreRequest | StoreResponse): void {
  const body = serialize(message)
  const head = Buffer.allocUnsafe(4)
  head.writeUInt32BE(body.length)
  socket.write(Buffer.concat([head, body]))
}

/** Calls `receive` with every whole message that arrives on the socket. */
export function readFrames<Message> (socket: Socket, receive: (message: Message) => void): void {
  let pending: Buffer = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    while (pending.length >= 4) {
      const size = pending.readUInt32BE(0)
      if (pending.length < 4 + size) break
      const body = pending.subarray(4, 4 + size)
      pending = pending.subarray(4 + size)
      receive(deserialize(body) as Message)
    }
  })
}
