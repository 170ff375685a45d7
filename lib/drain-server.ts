// Drains an HTTP server without losing a request and without waiting out keep-alive timeouts:
// stop accepting, answer every request in flight with `Connection: close`, close idle
// keep-alive sockets, and destroy what is still open when the deadline passes.
//
// Nothing here runs per request until a drain begins: the server's own bookkeeping says which
// response each socket is writing, and only requests that arrive during a drain are watched.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { Server as NetServer, type Socket } from 'node:net'
import { Server as TlsServer } from 'node:tls'

/** What was still open when the drain deadline passed. */
export interface DrainOutcome {
  /** Sockets destroyed at the deadline, each with the request it was still answering. */
  readonly destroyed: ReadonlyArray<{ readonly remote: string, readonly requests: readonly string[] }>
}

/**
 * The response a socket is writing, if any. Node's http server sets `_httpMessage` when a response
 * takes the socket and clears it when the response is done (it has done so since its first
 * release); reading it spares a listener and a closure on every request.
 */
function responseOf (socket: Socket): ServerResponse | undefined {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined
}

/** Tracks the sockets of one server, so a drain knows what is in flight. */
export class ServerDrain {
  #server: Server
  /** The sockets HTTP answers on: TCP sockets for http, TLS sockets (made after the handshake) for https. */
  #sockets = new Set<Socket>()
  /**
   * https only: the TCP sockets under them, handshakes under way included. Their `_httpMessage` is
   * never set (the response lives on the TLS socket), but they are what must be gone before the
   * server has closed.
   */
  #tcp: Set<Socket> | undefined
  #isDraining = false
  #idleGrace = 0
  /** During a drain with an idle grace: since when each socket has had nothing to answer. */
  #idleSince = new Map<Socket, number>()
  #onSettled: (() => void) | undefined

  constructor (server: Server) {
    this.#server = server
    const isTls = server instanceof TlsServer
    server.on(isTls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#forget(socket))
    })
    if (isTls) {
      const tcp = this.#tcp = new Set()
      server.on('connection', (socket: Socket) => {
        tcp.add(socket)
        socket.once('close', () => {
          tcp.delete(socket)
          this.#settleIfEmpty()
        })
      })
    }
  }

  get isDraining (): boolean {
    return this.#isDraining
  }

  /** Requests being answered right now (one per socket: HTTP/1.1 answers a socket's requests in order). */
  get inFlight (): number {
    let count = 0
    for (const socket of this.#sockets) if (responseOf(socket) !== undefined) count++
    return count
  }

  #forget (socket: Socket): void {
    this.#sockets.delete(socket)
    this.#idleSince.delete(socket)
    this.#settleIfEmpty()
  }

  /** Whether no connection is open, counting TLS handshakes under way. */
  get #isEmpty (): boolean {
    return this.#sockets.size === 0 && (this.#tcp === undefined || this.#tcp.size === 0)
  }

  #settleIfEmpty (): void {
    if (this.#isDraining && this.#isEmpty) this.#onSettled?.()
  }

  /** A response in flight during a drain: `Connection: close` if its headers are still to go, and noted when it ends. */
  #watch (res: ServerResponse): void {
    if (!res.headersSent) res.shouldKeepAlive = false
    const socket = res.req.socket
    res.once('close', () => {
      // Pipelined requests queue their responses; the next one takes the socket as this one ends.
      const next = responseOf(socket)
      if (next !== undefined && next !== res) return this.#watch(next)
      this.#idleSince.set(socket, performance.now())
      // A response whose headers went out with keep-alive leaves an idle socket behind. Without an
      // idle grace, close it; Node's idle check spares a socket on which a next request has begun.
      if (this.#idleGrace === 0) this.#server.closeIdleConnections()
    })
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
    // From now on, before Fastify sees a request, it is answered with `Connection: close`.
    this.#server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => this.#watch(res))
    const begin = performance.now()
    for (const socket of this.#sockets) {
      const res = responseOf(socket)
      if (res === undefined) this.#idleSince.set(socket, begin)
      else this.#watch(res)
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
        for (const [socket, since] of this.#idleSince) {
          if (since <= before && responseOf(socket) === undefined) socket.end()
        }
      }
      sweeper = setInterval(sweep, Math.max(1, Math.floor(idleGrace / 4)))
    }
    let outcome: DrainOutcome = { destroyed: [] }
    if (!this.#isEmpty) {
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
    const destroyed = [...this.#sockets].map((socket) => {
      const res = responseOf(socket)
      return {
        remote: `${socket.remoteAddress}:${socket.remotePort}`,
        requests: res === undefined ? [] : [`${res.req.method} ${res.req.url}`],
      }
    })
    for (const socket of this.#sockets) socket.destroy()
    // Handshakes that never finished have no TLS socket to destroy.
    for (const socket of this.#tcp ?? []) socket.destroy()
    return destroyed
  }
}
