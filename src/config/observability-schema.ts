// The raw YAML shape of `metrics:`, `alerts:` and `log_level:`.
import { z } from 'zod'
import { logLevels } from '../log/logger.js'
import { configDefaults } from './config-defaults.js'
import { endpointSchema, secondsSchema, yamlMap } from './value-schemas.js'

const countSchema = z.number().int('must be a whole number').min(1, 'must be at least 1')

/** Any case, as `LOG_LEVEL` takes it (`WARN`, `Debug`): the file and the environment accept the same names. */
export const logLevelSchema = z.preprocess((value) => (typeof value === 'string' ? value.trim().toLowerCase() : value), z.enum(logLevels))

export const metricsSchema = yamlMap(
  z.strictObject({
    /** When set, a scrape must send `Authorization: Bearer <key>`. */
    key: z.string().optional(),
    /** Models that get their own `model` label besides those in upstream `allow` lists. */
    models: z.array(z.string()).default([]),
    /** Models seen in requests that get their own `model` label (per process), before the rest count as `other`. */
    max_models: z.number().int('must be a whole number').min(0, 'must be 0 or more').default(configDefaults.metrics.max_models),
  }),
)

const feishuSinkSchema = yamlMap(
  z.strictObject({
    webhook: endpointSchema,
    /** The bot's signing secret ("signature verification" in the bot's security settings). */
    secret: z.string().optional(),
  }),
)

const matrixSinkSchema = yamlMap(
  z.strictObject({
    homeserver: endpointSchema,
    access_token: z.string(),
    room_id: z.string().regex(/^![^:]+:.+$/, 'expected a room id such as "!abc123:example.org" (a room alias does not work here)'),
  }),
)

const alertDefaults = configDefaults.alerts

export const alertsSchema = yamlMap(
  z.strictObject({
    feishu: z.array(feishuSinkSchema).default([]),
    matrix: z.array(matrixSinkSchema).default([]),
    failures_to_open: countSchema.default(alertDefaults.failures_to_open),
    successes_to_recover: countSchema.default(alertDefaults.successes_to_recover),
    repeat_interval: secondsSchema.default(alertDefaults.repeat_interval),
    max_per_hour: countSchema.default(alertDefaults.max_per_hour),
    store_backlog: countSchema.default(alertDefaults.store_backlog),
    store_check_interval: z.number().positive('must be more than 0 seconds').default(alertDefaults.store_check_interval),
  }),
)

export type RawMetrics = z.output<typeof metricsSchema>
export type RawAlerts = z.output<typeof alertsSchema>
