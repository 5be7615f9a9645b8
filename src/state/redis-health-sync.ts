// Shares upstream health between replicas through Redis: the latest record per upstream in the hash `<prefix>health`,
// each change published on the channel `<prefix>health`. Requests never wait on Redis: publish() only queues, and
// while Redis is away the gateway runs on what it knows, then writes what Redis missed and reads what it missed.
import { createClient } from '@redis/client'
import type { RedisConfig } from '../config/gateway-config.js'
import type { Logger } from '../log/logger.js'
import type { HealthSync } from './health-sync.js'
import { isNewerRecord, LatestHealthRecords } from './latest-health-records.js'
import { parseHealthRecord } from './parse-health-record.js'
import type { UpstreamHealthRecord } from './upstream-health-record.js'

export interface RedisHealthSyncOptions extends RedisConfig {
  readonly logger: Logger
  /** Called for each Redis error (a failed connection attempt, a lost connection, a failed command). */
  readonly onError: () => void
  /** Longest pause between reconnection attempts (default 1 s, so a Redis that is back is seen within about that). */
  readonly maxReconnectDelayMs?: number
}

/**
 * Writes the record unless the hash holds a newer one (the order of `isNewerRecord`), and publishes it only then:
 * a replica that was cut off cannot put back an older state when it returns.
 */
const writeIfNewerScript = `
local held = redis.call('HGET', KEYS[1], ARGV[1])
if held then
  local h = cjson.decode(held)
  local at = tonumber(ARGV[3])
  if h.changedAt > at or (h.changedAt == at and h.origin >= ARGV[4]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[5], ARGV[2])
return 1`

const connectTimeoutMs = 2_000

export function startRedisHealthSync(options: RedisHealthSyncOptions): HealthSync {
  const { logger } = options
  const key = `${options.prefix}health`
  const channel = `${options.prefix}health`
  const maxDelayMs = options.maxReconnectDelayMs ?? 1_000
  const socket = {
    connectTimeout: connectTimeoutMs,
    reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, maxDelayMs),
  }
  // Commands fail at once while disconnected rather than pile up in the client: `unsent` keeps only the latest per upstream.
  const writer = createClient({ url: options.url, socket, disableOfflineQueue: true })
  const subscriber = createClient({ url: options.url, socket })
  const latest = new LatestHealthRecords()
  const unsent = new Map<string, UpstreamHealthRecord>()
  const listeners: Array<(record: UpstreamHealthRecord) => void> = []
  let closed = false
  let outage = false
  let flushing = false

  const failed = (error: unknown): void => {
    if (closed) return
    options.onError()
    if (outage) return
    outage = true
    logger.warn('Redis is unreachable: upstream health is kept in this gateway until it is back', { error: String(error) })
  }

  /** A record from elsewhere: listeners hear it once, and only if it is news. */
  const receive = (record: UpstreamHealthRecord | undefined): void => {
    if (closed || record === undefined || !latest.offer(record)) return
    for (const listener of listeners) listener(record)
  }

  const flush = (): void => {
    if (flushing || closed || !writer.isReady || unsent.size === 0) return
    flushing = true
    void (async () => {
      for (const [upstream, record] of unsent) {
        unsent.delete(upstream)
        const text = JSON.stringify(record)
        try {
          await writer.eval(writeIfNewerScript, {
            keys: [key],
            arguments: [upstream, text, String(record.changedAt), record.origin, channel],
          })
        } catch (error) {
          // A newer record queued meanwhile takes its place; otherwise this one waits for the connection.
          if (!unsent.has(upstream)) unsent.set(upstream, record)
          failed(error)
          break
        }
      }
      flushing = false
      if (writer.isReady && unsent.size > 0 && !outage) flush()
    })()
  }

  /** Reads the hash: what changed while this gateway was not listening is applied, what Redis lacks is written back. */
  const catchUp = async (): Promise<void> => {
    if (closed || !writer.isReady || !subscriber.isReady) return
    let held: Record<string, string>
    try {
      held = await writer.hGetAll(key)
    } catch (error) {
      failed(error)
      return
    }
    const inRedis = new Map<string, UpstreamHealthRecord>()
    for (const text of Object.values(held)) {
      const record = parseHealthRecord(text)
      if (record === undefined) continue
      inRedis.set(record.upstream, record)
      receive(record)
    }
    // After an outage (or a Redis that restarted empty), the changes made meanwhile go out now.
    for (const record of latest.all()) {
      if (isNewerRecord(record, inRedis.get(record.upstream)) && !unsent.has(record.upstream)) unsent.set(record.upstream, record)
    }
    if (outage && writer.isReady && subscriber.isReady) {
      outage = false
      logger.info('Redis is reachable again: upstream health caught up')
    }
    flush()
  }

  writer.on('error', failed)
  subscriber.on('error', failed)
  writer.on('ready', () => void catchUp())
  // The client subscribes again by itself after a reconnection; the hash covers what was published in between.
  subscriber.on('ready', () => void catchUp())
  // connect() keeps trying until Redis answers (or close()); each failed attempt is an `error` event, counted above.
  writer.connect().catch((error: unknown) => failed(error))
  subscriber
    .connect()
    .then(() => subscriber.subscribe(channel, (message) => receive(parseHealthRecord(message))))
    .then(() => catchUp())
    .catch((error: unknown) => failed(error))

  return {
    publish(record) {
      if (closed) return
      latest.offer(record)
      unsent.set(record.upstream, record)
      flush()
    },
    onRemote(listener) {
      listeners.push(listener)
    },
    async snapshot() {
      await catchUp()
      return latest.all()
    },
    async close() {
      if (closed) return
      closed = true
      // A connected client sends what it holds first; one still trying to connect just stops.
      const clients = [writer, subscriber]
      for (const client of clients) if (!client.isReady) client.destroy()
      await Promise.allSettled(clients.filter((client) => client.isOpen).map((client) => client.close()))
    },
  }
}
