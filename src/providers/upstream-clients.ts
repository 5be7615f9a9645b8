// The single upstream HTTP client: one keep-alive undici Pool per upstream origin.
import { Pool } from 'undici'

export class UpstreamClients {
  readonly #pools = new Map<string, Pool>()

  pool(origin: string): Pool {
    let pool = this.#pools.get(origin)
    if (pool === undefined) {
      pool = new Pool(origin, {
        // Deadlines are the relay's (first byte, idle, total), so undici's own are off.
        headersTimeout: 0,
        bodyTimeout: 0,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        connect: { timeout: 30_000 },
      })
      this.#pools.set(origin, pool)
    }
    return pool
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()]
    this.#pools.clear()
    await Promise.allSettled(pools.map((pool) => pool.destroy()))
  }
}
