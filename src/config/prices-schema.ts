// The raw YAML shapes of `prices:` (USD per million tokens by model name or glob) and `limits:` (limits as a whole).
import { z } from 'zod'
import { configDefaults } from './config-defaults.js'
import { globProblem } from './model-glob.js'
import { yamlMap } from './value-schemas.js'

const usdPerMillion = z.number().min(0, 'must be 0 or more (USD per million tokens)')

const modelPriceSchema = yamlMap(
  z.strictObject({
    input: usdPerMillion,
    output: usdPerMillion,
    /** Unset: cached prompt tokens are priced as `input`. */
    cached_input: usdPerMillion.optional(),
  }),
)

export const pricesSchema = z.record(z.string(), modelPriceSchema).superRefine((prices, context) => {
  for (const pattern of Object.keys(prices)) {
    const problem = globProblem(pattern)
    if (problem !== undefined) context.addIssue({ code: 'custom', path: [pattern], message: problem })
  }
})

export const limitsSchema = yamlMap(
  z.strictObject({
    on_store_error: z.enum(['allow', 'deny']).default(configDefaults.limits.on_store_error),
    default_completion_tokens: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .default(configDefaults.limits.default_completion_tokens),
  }),
)

export type RawPrices = z.output<typeof pricesSchema>
export type RawLimits = z.output<typeof limitsSchema>
