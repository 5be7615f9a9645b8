// Maps the validated YAML (seed key names, seconds) into the domain config (domain names, milliseconds), once.
import { hostname as osHostname } from 'node:os'
import type { ConfigNote } from './config-note.js'
import { defaultEndpoints, defaultReplicateAllowedHosts } from './config-defaults.js'
import type { RawConfig, RawUpstream } from './config-schema.js'
import { endpointCredentials, withoutCredentials } from './endpoint-credentials.js'
import { splitAdminKeys } from './admin-schema.js'
import { keySha256 } from './key-sha256.js'
import type { AdminConfig, GatewayConfig, HealthConfig, RecordsConfig, UpstreamConfig, UpstreamCredential } from './gateway-config.js'
import { parseListenAddress } from './listen-address.js'
import { toAlertsConfig, toMetricsConfig } from './to-observability-config.js'
import { alwaysRedactedHeaders } from './records-schema.js'
import { healthSchema, type RawHealth, type RawUpstreamHealth } from './health-schema.js'
import { pathEntryProblem } from '../wire/path-entry-key.js'
import { toModelPrices, toNamedKeys } from './to-named-keys.js'

export interface MappedConfig {
  readonly config: GatewayConfig
  readonly notes: readonly ConfigNote[]
  /** Problems only the mapped config shows (a named key's unknown upstream, a key listed twice): the config is refused. */
  readonly problems: readonly ConfigNote[]
}

/** `raw` must have passed `rawConfigSchema`; the result is not frozen yet. `env` feeds FEISHU_WEBHOOK and MATRIX_API. */
export function toGatewayConfig(raw: RawConfig, source: string, env: NodeJS.ProcessEnv = {}): MappedConfig {
  const listen = parseListenAddress(raw.address)
  if (listen === undefined) throw new Error(`unvalidated listen address reached the mapper: ${raw.address}`)
  const names = assignNames(raw.upstreams)
  const upstreams = raw.upstreams.map((upstream, index) => toUpstreamConfig(raw, upstream, index, names[index] ?? String(index)))
  const { alerts, notes: alertNotes } = toAlertsConfig(raw.alerts, env)
  const prices = toModelPrices(raw.prices)
  const named = toNamedKeys(raw.keys, {
    upstreamNames: upstreams.map((upstream) => upstream.name),
    predecessorKeys: [...raw.authorization, ...raw.upstreams.flatMap((upstream) => upstream.authorization ?? [])],
    prices,
  })
  const config: GatewayConfig = {
    source,
    listen,
    hostname: raw.hostname === '' ? osHostname() : raw.hostname,
    lbPolicy: raw.lb_policy,
    modelFallbacks: raw.model_fallbacks,
    dbType: raw.dbtype,
    dbAddr: raw.dbaddr,
    maxBodyBytes: raw.max_body_size,
    maxAnonymousBodyBytes: raw.max_anonymous_body_size,
    maxInflightBodyBytes: raw.max_inflight_body_bytes,
    bodyTimeoutMs: secondsToMs(raw.body_timeout),
    headerTimeoutMs: secondsToMs(raw.header_timeout),
    shutdownTimeoutMs: secondsToMs(raw.shutdown_timeout),
    upstreams,
    health: toHealthConfig(raw.health),
    logLevel: raw.log_level,
    metrics: toMetricsConfig(raw.metrics),
    alerts,
    records: toRecordsConfig(raw.records),
    redis: raw.redis,
    keys: named.keys,
    prices,
    limits: { onStoreError: raw.limits.on_store_error, defaultCompletionTokens: raw.limits.default_completion_tokens },
    watchConfig: raw.watch_config,
    admin: toAdminConfig(raw.admin),
  }
  return { config, notes: [...noteProblems(config), ...named.notes, ...alertNotes], problems: named.problems }
}

/** Admin keys are kept as digests only, like client keys; none at all is the same as no `admin:`. */
function toAdminConfig(admin: RawConfig['admin']): AdminConfig | undefined {
  if (admin === undefined) return undefined
  const { keys, sha256 } = splitAdminKeys(admin.keys)
  const digests = [...new Set([...keys.map(keySha256), ...sha256])]
  return digests.length === 0 ? undefined : { digests }
}

function toRecordsConfig(records: RawConfig['records']): RecordsConfig {
  return {
    storeRequestBody: records.store_request_body,
    storeResponse: records.store_response,
    storeHeaders: records.store_headers,
    maxStoredBytes: records.max_stored_size,
    redactHeaders: [...new Set([...alwaysRedactedHeaders, ...records.redact_headers])],
    retentionDays: records.retention_days,
    queueSize: records.queue_size,
    queueBytes: records.queue_bytes,
    batchSize: records.batch_size,
    flushIntervalMs: secondsToMs(records.flush_interval),
    spillDir: records.spill_dir,
    spillBytes: records.spill_bytes,
  }
}

function toUpstreamConfig(raw: RawConfig, upstream: RawUpstream, index: number, name: string): UpstreamConfig {
  const ownKeys = upstream.authorization ?? []
  return {
    index,
    name,
    type: upstream.type,
    endpoint: withoutCredentials(endpointOf(upstream)),
    credential: credentialOf(upstream.sk),
    basicAuth: endpointCredentials(endpointOf(upstream)),
    firstByteTimeoutMs: secondsToMs(upstream.timeout ?? raw.timeout),
    streamFirstByteTimeoutMs: secondsToMs(upstream.stream_timeout ?? raw.stream_timeout),
    idleTimeoutMs: secondsToMs(upstream.idle_timeout ?? raw.idle_timeout),
    totalTimeoutMs: secondsToMs(upstream.total_timeout ?? raw.total_timeout),
    maxEventBytes: raw.max_event_size,
    maxHeldBodyBytes: raw.max_held_body,
    allow: upstream.allow,
    deny: upstream.deny,
    // An empty own list falls back too: Go read `authorization: ""` as unset.
    clientKeys: ownKeys.length > 0 ? ownKeys : raw.authorization,
    noauth: upstream.noauth,
    keepHeader: upstream.keep_header,
    allowedHosts: upstream.allowed_hosts ?? (upstream.type === 'replicate' ? [...defaultReplicateAllowedHosts] : []),
    apiVersion: upstream.api_version,
    deployments: upstream.deployments,
    models: upstream.models,
    weight: upstream.weight,
    retries: upstream.retries ?? raw.retries,
    retryBackoffMs: secondsToMs(raw.retry_backoff),
    maxRetryWaitMs: secondsToMs(raw.max_retry_wait),
    health: toHealthConfig(raw.health, upstream.health),
  }
}

/** `health:` with every key at its default. */
export const defaultHealthConfig: HealthConfig = Object.freeze(toHealthConfig(healthSchema.parse({})))

/** `own`: an upstream's `health:`, whose keys replace the top level's one by one. */
function toHealthConfig(top: RawHealth, own: RawUpstreamHealth = {}): HealthConfig {
  const merged = { ...top, ...own }
  return {
    enabled: merged.enabled,
    failuresToOpen: merged.failures_to_open,
    windowMs: secondsToMs(merged.window),
    minRequests: merged.min_requests,
    failureRate: merged.failure_rate,
    cooldownMs: secondsToMs(merged.cooldown),
    maxCooldownMs: Math.max(secondsToMs(merged.max_cooldown), secondsToMs(merged.cooldown)),
    probeIntervalMs: secondsToMs(merged.probe_interval),
  }
}

function endpointOf(upstream: RawUpstream): string {
  const endpoint = upstream.endpoint ?? defaultEndpoints[upstream.type]
  if (endpoint === undefined) throw new Error(`unvalidated upstream without endpoint reached the mapper (type ${upstream.type})`)
  return endpoint.replace(/\/+$/, '')
}

function credentialOf(sk: string | undefined): UpstreamCredential {
  if (sk === undefined || sk === '') return { kind: 'none' }
  if (sk === 'asis') return { kind: 'client' }
  return { kind: 'key', key: sk }
}

/**
 * Explicit names are unique (the schema checks). A derived name (host + path) that is already taken gets `#<index>`,
 * so the first upstream keeps its plain name and adding a second one does not rename the first one's metrics.
 */
function assignNames(upstreams: readonly RawUpstream[]): string[] {
  const taken = new Set(upstreams.flatMap((upstream) => (upstream.name === undefined ? [] : [upstream.name])))
  return upstreams.map((upstream, index) => {
    if (upstream.name !== undefined) return upstream.name
    const url = new URL(endpointOf(upstream))
    const derived = `${url.host}${url.pathname}`.replace(/\/+$/, '')
    const name = taken.has(derived) ? `${derived}#${index}` : derived
    taken.add(name)
    return name
  })
}

function noteProblems(config: GatewayConfig): ConfigNote[] {
  const notes: ConfigNote[] = []
  if (config.upstreams.length === 0) notes.push({ path: [], message: 'no upstreams are configured: every request will fail' })
  for (const upstream of config.upstreams) {
    const path = ['upstreams', upstream.index]
    const namedKeyMayUse = config.keys.some((key) => key.upstreams === undefined || key.upstreams.includes(upstream.name))
    if (!upstream.noauth && upstream.clientKeys.length === 0 && !namedKeyMayUse) {
      notes.push({
        path,
        message: 'no client key can use this upstream: set authorization (here or at the top level), a key in keys, or noauth: true',
      })
    }
    if (
      upstream.basicAuth !== undefined &&
      upstream.credential.kind === 'key' &&
      (upstream.type === 'openai' || upstream.type === 'replicate')
    ) {
      notes.push({
        path: [...path, 'endpoint'],
        message: "the user:password in the endpoint URL is not sent: sk's Authorization header takes the place of Basic credentials",
      })
    }
    if (upstream.type === 'azure' && upstream.apiVersion === undefined) {
      notes.push({ path, message: 'type azure without api_version: Azure refuses requests without it' })
    }
    for (const list of ['allow', 'deny'] as const) {
      upstream[list].forEach((entry, i) => {
        const problem = entry.startsWith('/') ? pathEntryProblem(entry) : undefined
        if (problem !== undefined) notes.push({ path: [...path, list, i], message: `${entry} can never match: ${problem}` })
      })
    }
    notes.push(...modelsProblems(upstream, config.lbPolicy))
  }
  return notes
}

function modelsProblems(upstream: UpstreamConfig, lbPolicy: GatewayConfig['lbPolicy']): ConfigNote[] {
  const path = ['upstreams', upstream.index]
  const notes: ConfigNote[] = []
  for (const model of Object.keys(upstream.models)) {
    if (model.startsWith('/')) {
      notes.push({ path: [...path, 'models', model], message: `${model} can never match: models maps the body's model, not the path` })
    } else if (upstream.deny.includes(model)) {
      notes.push({ path: [...path, 'models', model], message: `${model} is also in deny, which wins: this mapping is never used` })
    }
  }
  if (upstream.weight !== 1 && lbPolicy !== 'weighted') {
    notes.push({ path: [...path, 'weight'], message: `weight is read by lb_policy: weighted only (lb_policy is ${lbPolicy})` })
  }
  return notes
}

/** Rounded so `0.001` is 1 ms rather than 0.9999999. */
function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000)
}
