// A free TCP port on 127.0.0.1, for servers that take their address from a config file (the gateway, nginx).
import { createServer } from 'node:net'

/** A port that was free a moment ago; the gateway and nginx take the address from their config, so cannot report one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
