// The one schema of config.yaml: every key the predecessor read, the new ones, and their defaults.
import { z } from 'zod'
import { configDefaults } from './config-defaults.js'
import { dbTypes, lbPolicies } from './gateway-config.js'
import { adminSchema } from './admin-schema.js'
import { healthSchema } from './health-schema.js'
import { alertsSchema, logLevelSchema, metricsSchema } from './observability-schema.js'
import { parsePostgresAddress, postgresAddressHint } from './postgres-address.js'
import { recordsSchema } from './records-schema.js'
import { redisSchema } from './redis-schema.js'
import { rawUpstreamSchema, type RawUpstream } from './upstream-schema.js'
import { byteSizeSchema, clientKeysSchema, listenAddressSchema, retriesSchema, secondsSchema, yamlMap } from './value-schemas.js'
import { modelFallbacksSchema } from './model-fallbacks-schema.js'
import { rawNamedKeySchema } from './named-keys-schema.js'
import { limitsSchema, pricesSchema } from './prices-schema.js'

/**
 * Top-level keys. A new section (`records:`, `alerts:`, `metrics:`) is one more entry here, its schema in its
 * own module, made with `yamlMap(z.strictObject(...))` so it gets the same strictness and empty-means-unset rule.
 */
const topLevelKeys = {
  address: listenAddressSchema.default(configDefaults.address),
  hostname: z.string().default(configDefaults.hostname),
  /** Client keys accepted by every upstream that has no `authorization` of its own. */
  authorization: clientKeysSchema.default([]),
  /** Named client keys, each with its models, upstreams and limits (beside `authorization`, whose keys stay anonymous). */
  keys: z.array(rawNamedKeySchema).default([]),
  /** USD per million tokens by model name or glob, in the file's order: cost in records and metrics, and `budget_usd`. */
  prices: pricesSchema.default({}),
  limits: limitsSchema.prefault({}),
  timeout: secondsSchema.default(configDefaults.timeout),
  stream_timeout: secondsSchema.default(configDefaults.stream_timeout),
  idle_timeout: secondsSchema.default(configDefaults.idle_timeout),
  total_timeout: secondsSchema.default(configDefaults.total_timeout),
  lb_policy: z.enum(lbPolicies).default(configDefaults.lb_policy),
  retries: retriesSchema.default(configDefaults.retries),
  retry_backoff: secondsSchema.default(configDefaults.retry_backoff),
  max_retry_wait: secondsSchema.default(configDefaults.max_retry_wait),
  /** Client model → other client models tried, in order, when every candidate failed (or the context was too long). */
  model_fallbacks: modelFallbacksSchema.default({}),
  dbtype: z.enum(dbTypes).default(configDefaults.dbtype),
  dbaddr: z.string().default(configDefaults.dbaddr),
  max_body_size: byteSizeSchema.default(configDefaults.max_body_size),
  max_anonymous_body_size: byteSizeSchema.default(configDefaults.max_anonymous_body_size),
  max_inflight_body_bytes: byteSizeSchema.default(configDefaults.max_inflight_body_bytes),
  body_timeout: secondsSchema.default(configDefaults.body_timeout),
  header_timeout: secondsSchema.default(configDefaults.header_timeout),
  /** One SSE event from an upstream, at most. */
  max_event_size: byteSizeSchema.default(configDefaults.max_event_size),
  /** A 2xx JSON answer to a non-stream request held back until its end, at most. */
  max_held_body: byteSizeSchema.default(configDefaults.max_held_body),
  shutdown_timeout: secondsSchema.default(configDefaults.shutdown_timeout),
  upstreams: z.array(rawUpstreamSchema).default([]),
  /** Unset: `LOG_LEVEL`, else `info`. */
  log_level: logLevelSchema.optional(),
  metrics: metricsSchema.prefault({}),
  alerts: alertsSchema.prefault({}),
  health: healthSchema.prefault({}),
  records: recordsSchema.prefault({}),
  /** Unset: no Redis; each gateway keeps upstream health for itself (and its workers). */
  redis: redisSchema.optional(),
  /** Reload the file when it changes (SIGHUP and `POST /admin/reload` reload it in any case). */
  watch_config: z.boolean().default(false),
  /** Keys of the admin endpoints, apart from client keys; unset: those endpoints answer 404. */
  admin: adminSchema.optional(),
}

export const rawConfigSchema = yamlMap(z.strictObject(topLevelKeys).superRefine(requireUniqueNames).superRefine(requirePostgresAddress))

export type RawConfig = z.output<typeof rawConfigSchema>
export type { RawUpstream }

/** Names label metrics and records, so two upstreams sharing one would merge their numbers. */
function requireUniqueNames(config: { upstreams: readonly RawUpstream[] }, context: z.RefinementCtx): void {
  const firstIndexByName = new Map<string, number>()
  config.upstreams.forEach((upstream, index) => {
    if (upstream.name === undefined) return
    const first = firstIndexByName.get(upstream.name)
    if (first === undefined) firstIndexByName.set(upstream.name, index)
    else
      context.addIssue({
        code: 'custom',
        path: ['upstreams', index, 'name'],
        message: `"${upstream.name}" is already the name of upstreams[${first}]`,
      })
  })
}

/** The predecessor's default `./db.sqlite` is no PostgreSQL address: say so at load time rather than at the first write. */
function requirePostgresAddress(config: { dbtype: string; dbaddr: string }, context: z.RefinementCtx): void {
  if (config.dbtype === 'postgres' && parsePostgresAddress(config.dbaddr) === undefined) {
    context.addIssue({ code: 'custom', path: ['dbaddr'], message: postgresAddressHint })
  }
}
