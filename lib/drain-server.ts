// Drains an HTTP server without losing a request and without waiting out keep-alive timeouts:
// stop accepting, answer every request in flight with `Connection: close`, close idle
// keep-alive sockets, and destroy what is still open when the deadline passes.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/** What was still open when the drain deadline passed. */
export interface DrainOutcome {
  /** Sockets destroyed at the deadline, each with the requests it was still answering. */
  readonly destroyed: ReadonlyArray<{ readonly remote: string, readonly requests: readonly string[] }>
}

/** Tracks the sockets and responses of one server, so a drain knows what is in flight. */
export class ServerDrain {
  #server: Server
  #sockets = new Set<Socket>()
  #inFlight = new Set<ServerResponse>()
  #isDraining = false
  #onSettled: (() => void) | undefined

  constructor (server: Server) {
    this.#server = server
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#forget(socket))
    })
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#track(res))
  }

  get isDraining (): boolean {
    return this.#isDraining
  }

  #track (res: ServerResponse): void {
    this.#inFlight.add(res)
    if (this.#isDraining) res.shouldKeepAlive = false
    res.once('close', () => {
      this.#inFlight.delete(res)
      // A response whose headers went out with keep-alive leaves an idle socket behind: close it.
      // Node's own idle check knows whether a next request has begun to arrive on it.
      if (this.#isDraining) this.#server.closeIdleConnections()
    })
  }

  #forget (socket: Socket): void {
    this.#sockets.delete(socket)
    if (this.#isDraining && this.#sockets.size === 0) this.#onSettled?.()
  }

  /**
   * Stops accepting, closes idle sockets, and waits for every other socket to close after its
   * last response, for at most `deadline` ms; then destroys what is left and names it.
   */
  async drain (deadline: number): Promise<DrainOutcome> {
    this.#isDraining = true
    for (const res of this.#inFlight) {
      if (!res.headersSent) res.shouldKeepAlive = false
    }
    const closed = new Promise<void>((resolve) => {
      // Server.close() stops accepting and, since Node 19, closes idle keep-alive sockets.
      if (this.#server.listening) this.#server.close(() => resolve())
      else resolve()
    })
    let outcome: DrainOutcome = { destroyed: [] }
    if (this.#sockets.size > 0) {
      let timer: NodeJS.Timeout | undefined
      const isSettled = await new Promise<boolean>((resolve) => {
        this.#onSettled = () => resolve(true)
        timer = setTimeout(() => resolve(false), deadline)
      })
      clearTimeout(timer)
      this.#onSettled = undefined
      if (!isSettled) outcome = { destroyed: this.#destroyRemaining() }
    }
    await closed
    return outcome
  }

  #destroyRemaining (): DrainOutcome['destroyed'] {
    const destroyed = [...this.#sockets].map((socket) => ({
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      requests: [...this.#inFlight]
        .filter((res) => res.req.socket === socket)
        .map((res) => `${res.req.method} ${res.req.url}`),
    }))
    for (const socket of this.#sockets) socket.destroy()
    return destroyed
  }
}
