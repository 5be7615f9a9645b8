// The raw YAML shape of `health:`, at the top level (every key defaulted) and per upstream (each key optional).
import { z } from 'zod'
import { configDefaults } from './config-defaults.js'
import { secondsSchema, yamlMap } from './value-schemas.js'

const defaults = configDefaults.health

const healthKeys = {
  enabled: z.boolean(),
  failures_to_open: z.number().int('must be a whole number').min(1, 'must be at least 1'),
  window: z.number().positive('must be more than 0 seconds'),
  min_requests: z.number().int('must be a whole number').min(1, 'must be at least 1'),
  failure_rate: z.number().gt(0, 'must be more than 0').max(1, 'must be at most 1'),
  cooldown: z.number().positive('must be more than 0 seconds'),
  max_cooldown: z.number().positive('must be more than 0 seconds'),
  probe_interval: secondsSchema,
}

export const healthSchema = yamlMap(
  z.strictObject({
    enabled: healthKeys.enabled.default(defaults.enabled),
    failures_to_open: healthKeys.failures_to_open.default(defaults.failures_to_open),
    window: healthKeys.window.default(defaults.window),
    min_requests: healthKeys.min_requests.default(defaults.min_requests),
    failure_rate: healthKeys.failure_rate.default(defaults.failure_rate),
    cooldown: healthKeys.cooldown.default(defaults.cooldown),
    max_cooldown: healthKeys.max_cooldown.default(defaults.max_cooldown),
    probe_interval: healthKeys.probe_interval.default(defaults.probe_interval),
  }),
)

/** An upstream's own `health:`: the keys it sets replace the top level's. */
export const upstreamHealthSchema = yamlMap(z.strictObject(healthKeys).partial())

export type RawHealth = z.output<typeof healthSchema>
export type RawUpstreamHealth = z.output<typeof upstreamHealthSchema>
