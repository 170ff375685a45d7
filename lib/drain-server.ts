// Drains an HTTP server without losing a request and without waiting out keep-alive timeouts:
// stop accepting, answer every request in flight with `Connection: close`, close idle
// keep-alive sockets, and destroy what is still open when the deadline passes.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { Server as NetServer, type Socket } from 'node:net'

/** What was still open when the drain deadline passed. */
export interface DrainOutcome {
  /** Sockets destroyed at the deadline, each with the requests it was still answering. */
  readonly destroyed: ReadonlyArray<{ readonly remote: string, readonly requests: readonly string[] }>
}

interface SocketUse {
  inFlight: number
  lastActive: number
}

/** Tracks the sockets and responses of one server, so a drain knows what is in flight. */
export class ServerDrain {
  #server: Server
  #sockets = new Map<Socket, SocketUse>()
  #inFlight = new Set<ServerResponse>()
  #isDraining = false
  #idleGrace = 0
  #onSettled: (() => void) | undefined

  constructor (server: Server) {
    this.#server = server
    server.on('connection', (socket: Socket) => this.#use(socket))
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#track(req.socket, res))
  }

  get isDraining (): boolean {
    return this.#isDraining
  }

  /** Responses being written right now. */
  get inFlight (): number {
    return this.#inFlight.size
  }

  #use (socket: Socket): SocketUse {
    let use = this.#sockets.get(socket)
    if (use === undefined) {
      use = { inFlight: 0, lastActive: performance.now() }
      this.#sockets.set(socket, use)
      socket.once('close', () => this.#forget(socket))
    }
    return use
  }

  #track (socket: Socket, res: ServerResponse): void {
    const use = this.#use(socket)
    use.inFlight++
    this.#inFlight.add(res)
    if (this.#isDraining) res.shouldKeepAlive = false
    res.once('close', () => {
      use.inFlight--
      use.lastActive = performance.now()
      this.#inFlight.delete(res)
      // A response whose headers went out with keep-alive leaves an idle socket behind. Without an
      // idle grace, close it; Node's idle check spares a socket on which a next request has begun.
      if (this.#isDraining && this.#idleGrace === 0 && use.inFlight === 0) this.#server.closeIdleConnections()
    })
  }

  #forget (socket: Socket): void {
    this.#sockets.delete(socket)
    if (this.#isDraining && this.#sockets.size === 0) this.#onSettled?.()
  }

  /**
   * Stops accepting and waits for every socket to close after its last response, for at most
   * `deadline` ms; then destroys what is left and names it.
   *
   * `idleGrace` = 0 closes idle keep-alive sockets at once: right for a shutdown, since nothing will
   * listen afterwards. During an upgrade the listener lives on in the new process, so idle sockets
   * get `idleGrace` ms in which their next request is still answered (with `Connection: close`),
   * which moves busy keep-alive clients over without a reset; only sockets idle that long are closed.
   */
  async drain (deadline: number, idleGrace = 0): Promise<DrainOutcome> {
    this.#isDraining = true
    this.#idleGrace = idleGrace
    for (const res of this.#inFlight) {
      if (!res.headersSent) res.shouldKeepAlive = false
    }
    const closed = new Promise<void>((resolve) => {
      if (!this.#server.listening) resolve()
      // http.Server#close() also closes idle sockets (Node ≥ 19); net.Server#close() only stops accepting.
      else if (idleGrace === 0) this.#server.close(() => resolve())
      else NetServer.prototype.close.call(this.#server, () => resolve())
    })
    let sweeper: NodeJS.Timeout | undefined
    if (idleGrace > 0) {
      const sweep = (): void => {
        const before = performance.now() - idleGrace
        for (const [socket, use] of this.#sockets) if (use.inFlight === 0 && use.lastActive <= before) socket.end()
      }
      sweeper = setInterval(sweep, Math.max(1, Math.floor(idleGrace / 4)))
    }
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
    clearInterval(sweeper)
    await closed
    return outcome
  }

  #destroyRemaining (): DrainOutcome['destroyed'] {
    const destroyed = [...this.#sockets.keys()].map((socket) => ({
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      requests: [...this.#inFlight]
        .filter((res) => res.req.socket === socket)
        .map((res) => `${res.req.method} ${res.req.url}`),
    }))
    for (const socket of this.#sockets.keys()) socket.destroy()
    return destroyed
  }
}
