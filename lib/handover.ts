// This process's place in a chain of upgrades and the listening sockets that go with it: the ones
// it inherited (systemd socket activation, or the previous generation), and the ones it listens on
// and would hand to the next generation.
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { UpgradeInfo } from '../types/index.ts'
import { FSR_ERR_INHERITED_SOCKET, FSR_ERR_LISTEN, messageOf } from './errors.ts'
import { forgetListenEnv, InheritedSockets } from './inherited-sockets.ts'
import { readGeneration, type HandoverSocket } from './upgrade.ts'

export class Handover {
  /** 0 unless this process was started by an upgrade. */
  readonly generation: number
  /** The pid of the previous generation, when this process was started by an upgrade. */
  readonly parentPid: number | undefined
  /** What every service context says as `ctx.upgrade`. */
  readonly info: UpgradeInfo
  readonly #inherited = new InheritedSockets()
  readonly #sockets: HandoverSocket[] = []
  readonly #log: Logger

  constructor (log: Logger) {
    this.#log = log
    // Read once: a child of ours must not take the variables as its own.
    forgetListenEnv()
    const { generation, parentPid } = readGeneration()
    this.generation = generation
    this.parentPid = parentPid
    this.info = Object.freeze({ generation, isUpgrade: parentPid !== undefined })
  }

  /** The listening servers to hand to the next generation, named as in LISTEN_FDNAMES. */
  get sockets (): readonly HandoverSocket[] {
    return this.#sockets
  }

  /**
   * Listens on the inherited socket named `name` if there is one, else binds; either way it can be handed over.
   * A failed bind is FSR_ERR_LISTEN naming the address (the system error as `cause`); an inherited
   * descriptor that cannot listen is FSR_ERR_INHERITED_SOCKET.
   */
  async listen (name: string, instance: FastifyInstance, address: { readonly port: number, readonly host: string }): Promise<void> {
    const fd = this.#inherited.take(name)
    if (fd !== undefined) {
      try {
        // Fastify binds 'localhost' twice unless given a host; with a descriptor the host is not used.
        await instance.listen({ fd, host: address.host } as { port?: number, host: string })
      } catch (cause) {
        // Node's listen is the check that a socket is a stream socket able to listen (not datagram, not connected).
        throw new FSR_ERR_INHERITED_SOCKET(fd, name, `could not listen (${messageOf(cause)})`, { cause })
      }
      this.#log.info({ name, fd }, 'listening on inherited socket')
    } else {
      try {
        await instance.listen({ port: address.port, host: address.host })
      } catch (cause) {
        const where = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
        throw new FSR_ERR_LISTEN(name, where, messageOf(cause), { cause })
      }
    }
    this.#sockets.push({ name, server: instance.server })
  }

  /** After the start: inherited descriptors nobody listened on are closed (and logged). */
  closeUnused (): void {
    this.#inherited.closeUnused(this.#log)
  }
}
