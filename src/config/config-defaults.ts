// Every default in one place, in the YAML file's own key names and units, for the schema and the environment-only config.
import type { DbType, LbPolicy, UpstreamType } from './gateway-config.js'

export const configDefaults = Object.freeze({
  address: ':8888',
  /** Empty: the OS host name, filled in when the config is built. */
  hostname: '',
  timeout: 120,
  stream_timeout: 10,
  idle_timeout: 120,
  /** 0: no whole-attempt deadline. */
  total_timeout: 0,
  lb_policy: 'order' satisfies LbPolicy,
  /** Retries of a failed attempt on the same upstream before the plan moves on. */
  retries: 0,
  /** Seconds: the first retry's backoff (times a random factor in [0.5, 1)), doubling for each further one. */
  retry_backoff: 0.25,
  /** Seconds: the longest Retry-After waited for on the last candidate; 0 = never wait. */
  max_retry_wait: 0,
  dbtype: 'sqlite' satisfies DbType,
  dbaddr: './db.sqlite',
  max_body_size: 32 * 1024 * 1024,
  max_anonymous_body_size: 1024 * 1024,
  max_inflight_body_bytes: 256 * 1024 * 1024,
  body_timeout: 30,
  header_timeout: 60,
  max_event_size: 16 * 1024 * 1024,
  max_held_body: 8 * 1024 * 1024,
  shutdown_timeout: 30,
  metrics: {
    /** Models seen in requests that get their own `model` label, per process; the rest count as `other`. */
    max_models: 100,
  },
  health: {
    enabled: true,
    failures_to_open: 5,
    /** Seconds. */
    window: 60,
    min_requests: 20,
    failure_rate: 0.5,
    cooldown: 30,
    max_cooldown: 300,
    /** Seconds; 0 = no active probes. */
    probe_interval: 0,
  },
  alerts: {
    failures_to_open: 3,
    successes_to_recover: 3,
    /** Seconds: at most one reminder per open incident per 30 minutes. */
    repeat_interval: 1800,
    max_per_hour: 20,
    store_backlog: 5000,
    store_check_interval: 10,
  },
  redis: {
    prefix: 'openai-api-route:',
  },
  limits: {
    /** While Redis is unreachable, limits are enforced per process rather than refusing every request. */
    on_store_error: 'allow',
    /** Completion tokens reserved for `tpm` and budgets when a request gives no max_completion_tokens / max_tokens. */
    default_completion_tokens: 4096,
  },
} as const)

/** Azure has no default: every Azure resource has its own host. */
export const defaultEndpoints: Readonly<Record<UpstreamType, string | undefined>> = Object.freeze({
  openai: 'https://api.openai.com/v1',
  replicate: 'https://api.replicate.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  azure: undefined,
})

/**
 * Replicate answers with poll URLs on its API host and stream URLs on its streaming hosts (`stream.replicate.com`
 * now; older answers and docs show the others); anything else is not followed.
 */
export const defaultReplicateAllowedHosts: readonly string[] = Object.freeze([
  'api.replicate.com',
  'stream.replicate.com',
  'streaming.api.replicate.com',
  'streaming-api.replicate.com',
])

/** Without a config file the gateway is likely on a developer machine: do not listen on every interface. */
export const environmentListenAddress = '127.0.0.1:8888'
