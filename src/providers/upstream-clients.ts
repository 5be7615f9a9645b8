// The single upstream HTTP client: one keep-alive undici Pool per upstream origin. A reloaded config gets a client set
// of its own that shares the pools of the origins it still uses; each set is closed once its requests have ended,
// and a pool closes with the last set that holds it.
import { Pool } from 'undici'

export class UpstreamClients {
  readonly #pools = new Map<string, Pool>()
  /** How many sets hold each pool: shared by every set handed over from the first. */
  readonly #holders: Map<Pool, number>
  #closed = false

  constructor(holders: Map<Pool, number> = new Map()) {
    this.#holders = holders
  }

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
      this.#holders.set(pool, 1)
    }
    return pool
  }

  /** Pools open across every set (the leak count after reloads). */
  get openPools(): number {
    return this.#holders.size
  }

  /** A set for the next config: it shares the pools of `origins` that are open here. */
  handOver(origins: ReadonlySet<string>): UpstreamClients {
    const next = new UpstreamClients(this.#holders)
    for (const [origin, pool] of this.#pools) {
      if (!origins.has(origin)) continue
      next.#pools.set(origin, pool)
      this.#holders.set(pool, (this.#holders.get(pool) ?? 0) + 1)
    }
    return next
  }

  /** Lets go of this set's pools: each one no other set holds is destroyed. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const pools: Pool[] = []
    for (const pool of this.#pools.values()) {
      const holders = (this.#holders.get(pool) ?? 1) - 1
      if (holders > 0) this.#holders.set(pool, holders)
      else {
        this.#holders.delete(pool)
        pools.push(pool)
      }
    }
    this.#pools.clear()
    await Promise.allSettled(pools.map((pool) => pool.destroy()))
  }
}
