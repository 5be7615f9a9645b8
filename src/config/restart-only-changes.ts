// The settings a reload cannot change in a running process (the listening socket, the records database, the Redis
// connection): each one that differs is named, so the operator knows a restart is needed for it.
import { deepFreeze } from './deep-freeze.js'
import type { GatewayConfig } from './gateway-config.js'

/** The config keys, as written in the file, whose new value waits for a restart. */
export function restartOnlyChanges(running: GatewayConfig, next: GatewayConfig): string[] {
  const changed: string[] = []
  if (running.listen.host !== next.listen.host || running.listen.port !== next.listen.port) changed.push('address')
  if (running.dbType !== next.dbType) changed.push('dbtype')
  if (running.dbAddr !== next.dbAddr) changed.push('dbaddr')
  if (running.redis?.url !== next.redis?.url) changed.push('redis.url')
  else if (running.redis?.prefix !== next.redis?.prefix) changed.push('redis.prefix')
  // Set on the listening server and the shared body budget when they are made.
  if (running.headerTimeoutMs !== next.headerTimeoutMs) changed.push('header_timeout')
  if (running.maxInflightBodyBytes !== next.maxInflightBodyBytes) changed.push('max_inflight_body_bytes')
  // The limit store is made once, with its behaviour when Redis fails.
  if (running.limits.onStoreError !== next.limits.onStoreError) changed.push('limits.on_store_error')
  // Records are written by a store and a thread made at start, with these settings.
  if (JSON.stringify(running.records) !== JSON.stringify(next.records)) changed.push('records')
  // Alerts are sent by the one AlertCenter made at start; `hostname` names the gateway in them and in records.
  if (JSON.stringify(running.alerts) !== JSON.stringify(next.alerts)) changed.push('alerts')
  if (running.hostname !== next.hostname) changed.push('hostname')
  // Model labels are resolved once into the metrics' series; the scrape key (`metrics.key`) does reload.
  if (running.metrics.maxModels !== next.metrics.maxModels) changed.push('metrics.max_models')
  if (running.metrics.models.join('\n') !== next.metrics.models.join('\n')) changed.push('metrics.models')
  return changed
}

export interface EffectiveConfig {
  /** The new config with the running values of the settings that wait for a restart (frozen). */
  readonly config: GatewayConfig
  /** Those settings that differ in the new file, by their key in the file. */
  readonly restartOnly: readonly string[]
}

/** What a reload puts in place: the new config, but for what only a restart can change. */
export function effectiveConfig(running: GatewayConfig, next: GatewayConfig): EffectiveConfig {
  const restartOnly = restartOnlyChanges(running, next)
  if (restartOnly.length === 0) return { config: next, restartOnly }
  const config: GatewayConfig = {
    ...next,
    listen: running.listen,
    dbType: running.dbType,
    dbAddr: running.dbAddr,
    redis: running.redis,
    headerTimeoutMs: running.headerTimeoutMs,
    maxInflightBodyBytes: running.maxInflightBodyBytes,
    limits: { ...next.limits, onStoreError: running.limits.onStoreError },
    records: running.records,
    alerts: running.alerts,
    hostname: running.hostname,
    metrics: { ...next.metrics, maxModels: running.metrics.maxModels, models: running.metrics.models },
  }
  return { config: deepFreeze(config), restartOnly }
}
