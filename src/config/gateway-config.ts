// The validated, frozen configuration the gateway runs on: domain names, units in milliseconds.
// Seed-compatible YAML keys (sk, lb_policy, noauth, ...) are mapped into these names once, in load-config.ts.
import type { LogLevel } from '../log/logger.js'
import type { ListenAddress } from './listen-address.js'
import type { AlertsConfig, MetricsConfig } from './observability-config.js'

export type { ListenAddress }

export const upstreamTypes = ['openai', 'replicate', 'anthropic', 'azure'] as const
export type UpstreamType = (typeof upstreamTypes)[number]

export const lbPolicies = ['order', 'random', 'weighted', 'latency'] as const
export type LbPolicy = (typeof lbPolicies)[number]

export const dbTypes = ['sqlite', 'postgres', 'none'] as const
export type DbType = (typeof dbTypes)[number]

/** How the upstream request is authorised. */
export type UpstreamCredential =
  | { readonly kind: 'key'; readonly key: string }
  /** `sk: asis`: forward the client's own Authorization header. */
  | { readonly kind: 'client' }
  /** No `sk`: send no Authorization header (self-hosted upstreams). */
  | { readonly kind: 'none' }

export interface BasicCredentials {
  readonly username: string
  readonly password: string
}

export interface UpstreamConfig {
  /** Position in the config file's `upstreams` list, 0-based. */
  readonly index: number
  /** Display name for logs, records and metrics: `name`, else the endpoint's host and path. Never the key. */
  readonly name: string
  readonly type: UpstreamType
  /** API base including its version path, e.g. `https://api.openai.com/v1`, without a trailing slash. */
  readonly endpoint: string
  readonly credential: UpstreamCredential
  /**
   * `user:password@` written in the endpoint URL (taken out of `endpoint`): sent as HTTP Basic credentials
   * when no other Authorization header goes to the upstream. Never stored in records nor printed.
   */
  readonly basicAuth: BasicCredentials | undefined
  /** Time allowed until the first response body byte of a non-stream request. */
  readonly firstByteTimeoutMs: number
  /** Time allowed until the first response body byte of a `stream: true` request. */
  readonly streamFirstByteTimeoutMs: number
  /** Longest gap allowed between body chunks once the upstream has started answering. */
  readonly idleTimeoutMs: number
  /** Whole-attempt deadline; 0 = none. */
  readonly totalTimeoutMs: number
  /** `max_event_size`: an SSE event larger than this fails the attempt (upstream_bad_response). */
  readonly maxEventBytes: number
  /** `max_held_body`: a 2xx JSON answer to a non-stream request is held until its end up to this; past it, it commits. */
  readonly maxHeldBodyBytes: number
  /**
   * Allow-list; empty = everything. Entries starting with `/` (e.g. `/v1/audio/transcriptions`) match the URL
   * path only, the others the body's model only (routing/model-rules.ts).
   */
  readonly allow: readonly string[]
  /** Deny-list with the same two kinds of entry, checked after `allow`. */
  readonly deny: readonly string[]
  /**
   * Client keys that may use this upstream: its own `authorization`, else the global list.
   * Empty and not `noauth`: nobody can use it (reported as a warning by `check`).
   */
  readonly clientKeys: readonly string[]
  /** Any client, even one with no key, may use this upstream. */
  readonly noauth: boolean
  /** Forward the client's request headers (hop-by-hop and auth headers excepted). */
  readonly keepHeader: boolean
  /** Extra hosts a provider may follow URLs to (Replicate stream/poll URLs). */
  readonly allowedHosts: readonly string[]
  /** Azure: `api-version` query parameter. */
  readonly apiVersion: string | undefined
  /** Azure: model name to deployment name. */
  readonly deployments: Readonly<Record<string, string>>
  /**
   * Client model name → the name this upstream knows (`models`). The body sent to it carries the mapped name; a
   * mapped model is served by this upstream whatever `allow` says (`deny` still applies to the client's name).
   */
  readonly models: Readonly<Record<string, string>>
  /** `lb_policy: weighted`: the upstream's share among the candidates (default 1); 0 = only as failover. */
  readonly weight: number
  /** Retries of a failed attempt on this upstream before the plan moves on (relay/retry-policy.ts); 0 = none. */
  readonly retries: number
  /** The first retry's backoff, before its random factor in [0.5, 1); it doubles for each further retry. */
  readonly retryBackoffMs: number
  /** The longest `Retry-After` waited for when this upstream is the last candidate; 0 = never wait. */
  readonly maxRetryWaitMs: number
  /** Its breaker: the top-level `health:` with this upstream's own `health:` keys over it. */
  readonly health: HealthConfig
}

/** `health:` (docs/health.md): when an upstream's breaker opens, for how long, and whether it has one. */
export interface HealthConfig {
  /** false: the upstream is always used in its place, whatever it answers. */
  readonly enabled: boolean
  /** Failed attempts in a row that open the breaker. */
  readonly failuresToOpen: number
  /** The failure-rate window. */
  readonly windowMs: number
  /** Attempts within the window before the failure rate counts. */
  readonly minRequests: number
  /** The share of failed attempts within the window, 0 to 1, that opens the breaker. */
  readonly failureRate: number
  /** How long the first opening lasts. */
  readonly cooldownMs: number
  /** The longest opening: doubled cooldowns and upstream back-off signals stop here. */
  readonly maxCooldownMs: number
  /** Active probes while open; 0 = off. */
  readonly probeIntervalMs: number
}

export interface GatewayConfig {
  /** Where the config came from: a file path, or `environment`. */
  readonly source: string
  readonly listen: ListenAddress
  /** Written into each record; default the OS host name. */
  readonly hostname: string
  readonly lbPolicy: LbPolicy
  /** `model_fallbacks`: client model → other client models to try, in order, once its own candidates failed. */
  readonly modelFallbacks: Readonly<Record<string, readonly string[]>>
  readonly dbType: DbType
  readonly dbAddr: string
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes: number
  /** Largest body accepted from a client without a valid key (it can only reach `noauth` upstreams). */
  readonly maxAnonymousBodyBytes: number
  /** Request bodies held in memory across all requests; past it, new requests get 503. */
  readonly maxInflightBodyBytes: number
  /** Time a request body may take to arrive in full; 0 = none. */
  readonly bodyTimeoutMs: number
  /** Time a connection may take to send a request head, and an idle new connection to send anything; 0 = none. */
  readonly headerTimeoutMs: number
  /** How long SIGTERM waits for in-flight requests before exiting. */
  readonly shutdownTimeoutMs: number
  readonly upstreams: readonly UpstreamConfig[]
  /** The top-level `health:`, the default of every upstream's. */
  readonly health: HealthConfig
  /** `log_level`; undefined: `LOG_LEVEL`, else info. */
  readonly logLevel: LogLevel | undefined
  readonly metrics: MetricsConfig
  readonly alerts: AlertsConfig
  /** What request records keep and how they are written; unused when `dbType` is `none`. */
  readonly records: RecordsConfig
  /** `redis`: replicas share upstream health through it; undefined: each gateway keeps its own. */
  readonly redis: RedisConfig | undefined
  /** `keys`: named client keys, beside the predecessor's anonymous ones (`authorization`). */
  readonly keys: readonly NamedKeyConfig[]
  /** `prices`: model name or glob → price, in the file's order (src/spend/price-table.ts reads it). */
  readonly prices: Readonly<Record<string, ModelPrice>>
  readonly limits: LimitsConfig
  /** `watch_config`: the file is reloaded when it changes (docs/configuration.md, Reloading the configuration). */
  readonly watchConfig: boolean
  /** `admin`: the keys of the admin endpoints; undefined (no `admin.keys`): those endpoints answer 404. */
  readonly admin: AdminConfig | undefined
}

export interface AdminConfig {
  /** SHA-256 of each admin key, lower-case hex (from the key, or `key_sha256` as written). The keys are not kept. */
  readonly digests: readonly string[]
}

/** `budget_period`: calendar periods in UTC (weeks start on Monday); `total` never resets. */
export const budgetPeriods = ['day', 'week', 'month', 'total'] as const
export type BudgetPeriod = (typeof budgetPeriods)[number]

/** A named client key's limits (`keys[]`); an absent limit is no limit. */
export interface KeyLimits {
  /** Requests admitted in any 60-second sliding window. */
  readonly rpm: number | undefined
  /** Tokens (prompt + completion) in any 60-second window, reserved before the request goes upstream. */
  readonly tpm: number | undefined
  /** Requests in flight at once. */
  readonly maxConcurrent: number | undefined
  /** Spend in USD per `budgetPeriod`, priced from `prices`. */
  readonly budgetUsd: number | undefined
  /** Tokens per `budgetPeriod`. */
  readonly budgetTokens: number | undefined
  readonly budgetPeriod: BudgetPeriod
}

/** A key without any limit: each absent. */
export const noKeyLimits: KeyLimits = Object.freeze({
  rpm: undefined,
  tpm: undefined,
  maxConcurrent: undefined,
  budgetUsd: undefined,
  budgetTokens: undefined,
  budgetPeriod: 'month',
})

/** One entry of `keys:`: a client key with a name, the models and upstreams it may use, and its limits. */
export interface NamedKeyConfig {
  /** Unique; shown in records, logs, metrics and errors, never the key. */
  readonly name: string
  /** SHA-256 of the key, lower-case hex: from `key`, or `key_sha256` as written. The key itself is not kept. */
  readonly digest: string
  /** Glob patterns (`*`, `?`) over client model names; empty = every model. */
  readonly models: readonly string[]
  /** Upstream names this key may use; undefined = every upstream. */
  readonly upstreams: readonly string[] | undefined
  readonly limits: KeyLimits
}

/** `prices:` entry: USD per million tokens. */
export interface ModelPrice {
  readonly input: number
  readonly output: number
  /** Prompt tokens read from the upstream's cache; undefined = priced as `input`. */
  readonly cachedInput: number | undefined
}

/** `limits:`: how limits behave as a whole. */
export interface LimitsConfig {
  /** While the limit store (Redis) is unreachable: `allow` enforces per process, `deny` answers 503. */
  readonly onStoreError: 'allow' | 'deny'
  /** Completion tokens reserved for a request that gives no `max_completion_tokens` / `max_tokens`. */
  readonly defaultCompletionTokens: number
}

export interface RedisConfig {
  /** `redis://[user:password@]host:port/db` or `rediss://` for TLS. */
  readonly url: string
  /** Starts every key and channel name, so several gateways (or other programs) can share one Redis. */
  readonly prefix: string
}

export interface RecordsConfig {
  readonly storeRequestBody: boolean
  readonly storeResponse: boolean
  readonly storeHeaders: boolean
  /** Stored request bodies and responses are each cut to this many bytes (at a character boundary). */
  readonly maxStoredBytes: number
  /** Lower-case header names stored as `[redacted]`: the always-redacted ones plus `redact_headers`. */
  readonly redactHeaders: readonly string[]
  /** Rows older than this are deleted; 0 keeps them forever. */
  readonly retentionDays: number
  /** Records waiting to be written; past this, new ones are dropped and counted. */
  readonly queueSize: number
  /** The same bound in (approximate) bytes of stored text. */
  readonly queueBytes: number
  readonly batchSize: number
  readonly flushIntervalMs: number
  /** Where rows wait while the database cannot take them; undefined: beside the SQLite file, else the working directory. */
  readonly spillDir: string | undefined
  /** Bound on the spill files' bytes; rows past it are dropped (and counted). */
  readonly spillBytes: number
}
