// The Redis connection the limit store checks through. A check must fail fast while Redis is away, so that
// `limits.on_store_error` decides at once: no offline queue, a one-second command timeout, and reconnection in the
// background until Redis is back.
import { createClient } from '@redis/client'
import type { RedisConfig } from '../config/gateway-config.js'
import type { LimitRedisClient } from './redis-limit-store.js'

export interface LimitRedisConnection {
  readonly client: LimitRedisClient
  /** Connected now; while false, every check fails at once. */
  readonly ready: boolean
  /**
   * Resolves once the first connection is made, or after the command timeout: checks made while the process starts
   * wait for it rather than fail (and be denied) before Redis was ever tried.
   */
  readonly started: Promise<void>
  close(): Promise<void>
}

export interface LimitRedisOptions {
  /** A command (a check) that has no answer after this long fails (default 1 s). */
  readonly commandTimeoutMs?: number
  /** Longest pause between reconnection attempts (default 1 s). */
  readonly maxReconnectDelayMs?: number
}

export function connectLimitRedis(config: RedisConfig, options: LimitRedisOptions = {}): LimitRedisConnection {
  const timeout = options.commandTimeoutMs ?? 1_000
  const maxDelayMs = options.maxReconnectDelayMs ?? 1_000
  const client = createClient({
    url: config.url,
    socket: { connectTimeout: timeout, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, maxDelayMs) },
    disableOfflineQueue: true,
    // A check that was sent and lost its answer fails too: it may have been counted, which errs on the safe side.
    commandOptions: { timeout, rejectInFlight: true },
  })
  // Connection errors are not counted here: every check, settle or renewal they make fail is counted where it fails.
  client.on('error', () => undefined)
  let closed = false
  client.connect().catch(() => undefined)
  const started = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeout).unref()
    client.once('ready', () => {
      clearTimeout(timer)
      resolve()
    })
  })
  return {
    client,
    started,
    get ready() {
      return client.isReady
    },
    async close() {
      if (closed) return
      closed = true
      if (!client.isReady) client.destroy()
      else await client.close()
    },
  }
}
