// Drains an HTTP server without losing a request and without waiting out keep-alive timeouts:
// answer every request with `Connection: close`, stop accepting, give idle keep-alive sockets a
// grace for their next request, and destroy what is still open when the deadline passes.
// WebSockets and event streams are not requests: the drain does not wait on them; the application
// closes them (services' drain hooks, the app's close), and what outlives the deadline is destroyed.
//
// Nothing here runs per request until a drain begins: the server's own bookkeeping says which
// response each socket is writing, and only requests that arrive during a drain are watched.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { Server as NetServer, type Socket } from 'node:net'
import { Server as TlsServer } from 'node:tls'
import type { DestroyedConnection } from '../types/errors.ts'

/** What was still open when a drain deadline passed. */
export interface DrainOutcome {
  /** Sockets destroyed at the deadline, each with what it was: a request's socket, a WebSocket, an event stream. */
  readonly destroyed: readonly DestroyedConnection[]
}

/** What a socket carries: HTTP requests (drained), or a connection open by design (closed by the application). */
export type ConnectionKind = DestroyedConnection['kind']

/**
 * The response a socket is writing, if any. Node's http server sets `_httpMessage` when a response
 * takes the socket and clears it when the response is done (it has done so since its first
 * release); reading it spares a listener and a closure on every request. @fastify/websocket gives
 * an upgraded socket a response of its own, which never ends.
 */
function responseOf (socket: Socket): ServerResponse | undefined {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined
}

/**
 * Whether the response opens a WebSocket or an event stream, from public headers: the upgrade
 * request, an EventSource's `Accept`, or a content type set with setHeader (writeHead's own headers are not readable).
 */
function kindOf (res: ServerResponse | undefined): ConnectionKind {
  if (res === undefined) return 'http'
  const { headers } = res.req
  if (headers.upgrade?.toLowerCase() === 'websocket') return 'websocket'
  const isEventStream = headers.accept?.includes('text/event-stream') === true || String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')
  return isEventStream ? 'event-stream' : 'http'
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
  /** Since the shutdown began: every response says `Connection: close`. */
  #isClosing = false
  #isDraining = false
  /** Once the listener is closed: how long an idle keep-alive socket may wait for its next request. */
  #idleGrace: number | undefined
  /** During a drain: since when each socket has had nothing to answer. */
  #idleSince = new Map<Socket, number>()
  /** Called on every socket close during a drain (and on each sweep): resolves the wait it belongs to. */
  #onChange: (() => void) | undefined
  /** The listener's close: called back once every connection is gone. */
  #closed: Promise<void> | undefined

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
          this.#onChange?.()
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
    this.#onChange?.()
  }

  /** Whether no socket carries HTTP requests any more, counting TLS handshakes under way. */
  get #hasNoRequests (): boolean {
    for (const socket of this.#sockets) if (kindOf(responseOf(socket)) === 'http') return false
    return this.#tcp === undefined || this.#tcp.size <= this.#sockets.size
  }

  get #isEmpty (): boolean {
    return this.#sockets.size === 0 && (this.#tcp === undefined || this.#tcp.size === 0)
  }

  /** A response during a shutdown: `Connection: close` if its headers are still to go, and noted when it ends. */
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
   * From now on every response says `Connection: close` (those in flight whose headers are still to
   * go, and every new one), while the listener still accepts: keep-alive clients move on during a
   * drain delay.
   */
  beginClosing (): void {
    if (this.#isClosing) return
    this.#isClosing = true
    // Before Fastify sees a request, it is answered with `Connection: close`.
    this.#server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => this.#watch(res))
    for (const socket of this.#sockets) {
      const res = responseOf(socket)
      if (res !== undefined && kindOf(res) === 'http') this.#watch(res)
    }
  }

  /**
   * Stops accepting and waits for every socket that carries HTTP requests to close after its last
   * response, for at most `deadline` ms; then destroys those and names them. WebSockets and event
   * streams are left to `closeLongLived`.
   *
   * An idle keep-alive socket gets `idleGrace` ms in which its next request is still answered (with
   * `Connection: close`): a busy client's next request is then never met by a closing socket. Only
   * sockets idle that long are closed; 0 closes idle sockets at once.
   */
  async drain (deadline: number, idleGrace: number): Promise<DrainOutcome> {
    this.beginClosing()
    this.#isDraining = true
    this.#idleGrace = idleGrace
    const begin = performance.now()
    for (const socket of this.#sockets) if (responseOf(socket) === undefined) this.#idleSince.set(socket, begin)
    this.#closed = new Promise<void>((resolve) => {
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
        // A request socket may have turned into an event stream since the last close.
        this.#onChange?.()
      }
      sweeper = setInterval(sweep, Math.max(1, Math.floor(idleGrace / 4)))
    }
    const destroyed = await this.#waitUntil(() => this.#hasNoRequests, deadline, 'requests')
    clearInterval(sweeper)
    return { destroyed }
  }

  /**
   * After the drain and the app's close: waits for the WebSockets and event streams left (their
   * services and plugins close them) for at most `deadline` ms, then destroys them and names them.
   */
  async closeLongLived (deadline: number): Promise<DrainOutcome> {
    const destroyed = await this.#waitUntil(() => this.#isEmpty, deadline, 'all')
    await this.#closed
    return { destroyed }
  }

  /**
   * Waits until `isDone` holds, re-checked on every socket close, for at most `deadline` ms; then
   * destroys the sockets that carry requests, or all of them.
   */
  async #waitUntil (isDone: () => boolean, deadline: number, scope: 'requests' | 'all'): Promise<DrainOutcome['destroyed']> {
    if (isDone()) return []
    let timer: NodeJS.Timeout | undefined
    const isSettled = await new Promise<boolean>((resolve) => {
      this.#onChange = () => { if (isDone()) resolve(true) }
      timer = setTimeout(() => resolve(false), deadline)
    })
    clearTimeout(timer)
    this.#onChange = undefined
    return isSettled ? [] : this.#destroy(scope)
  }

  #destroy (scope: 'requests' | 'all'): DrainOutcome['destroyed'] {
    const sockets = [...this.#sockets].filter((socket) => scope === 'all' || kindOf(responseOf(socket)) === 'http')
    const destroyed = sockets.map((socket) => {
      const res = responseOf(socket)
      return {
        remote: `${socket.remoteAddress}:${socket.remotePort}`,
        kind: kindOf(res),
        requests: res === undefined ? [] : [`${res.req.method} ${res.req.url}`],
      }
    })
    for (const socket of sockets) socket.destroy()
    // Handshakes that never finished have no TLS socket to destroy; the TCP sockets of long-lived TLS ones go with them.
    if (scope === 'all') for (const socket of this.#tcp ?? []) socket.destroy()
    return destroyed
  }
}
