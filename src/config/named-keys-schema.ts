// The raw YAML shape of `keys:`: named client keys with the models and upstreams they may use and their limits.
// Checks that span entries (duplicate names and keys, unknown upstreams) run on the mapped config (to-named-keys.ts).
import { z } from 'zod'
import { budgetPeriods } from './gateway-config.js'
import { keySha256Shape } from './key-sha256.js'
import { globProblem } from './model-glob.js'
import { yamlMap } from './value-schemas.js'

export const keyNameShape = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

const limitSchema = z.number().int('must be a whole number').min(1, 'must be at least 1')

const globListSchema = z.array(z.string()).superRefine((patterns, context) => {
  if (patterns.length === 0) {
    context.addIssue({ code: 'custom', message: 'an empty list allows no model: leave models out to allow every model' })
  }
  patterns.forEach((pattern, index) => {
    const problem = globProblem(pattern)
    if (problem !== undefined) context.addIssue({ code: 'custom', path: [index], message: problem })
  })
})

const namedKeyKeys = z
  .strictObject({
    name: z.string().regex(keyNameShape, 'expected 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit'),
    /** The key itself, usually `${ENV_NAME}`; only its SHA-256 is kept. Never echoed in a problem. */
    key: z.string().optional(),
    /** The SHA-256 of the key, so the file holds no secret. */
    key_sha256: z.string().optional(),
    /** Globs over client model names; unset: every model. */
    models: globListSchema.optional(),
    /** Upstream names; unset: every upstream. */
    upstreams: z
      .array(z.string().min(1, 'must not be empty'))
      .refine((names) => names.length > 0, 'an empty list allows no upstream: leave upstreams out to allow every upstream')
      .optional(),
    rpm: limitSchema.optional(),
    tpm: limitSchema.optional(),
    max_concurrent: limitSchema.optional(),
    budget_usd: z.number().positive('must be more than 0').optional(),
    budget_tokens: limitSchema.optional(),
    /** Unset: `month` (to-named-keys.ts), so a period written without a budget can be pointed out. */
    budget_period: z.enum(budgetPeriods).optional(),
  })
  .superRefine((entry, context) => {
    if (entry.key === undefined && entry.key_sha256 === undefined) {
      context.addIssue({ code: 'custom', path: ['key'], message: 'is required: set key (e.g. ${ALICE_KEY}) or key_sha256' })
    } else if (entry.key !== undefined && entry.key_sha256 !== undefined) {
      context.addIssue({ code: 'custom', path: ['key_sha256'], message: 'set key or key_sha256, not both' })
    } else if (entry.key !== undefined && entry.key !== entry.key.trim()) {
      // A client's key is read with its surrounding blanks removed, so this one could never match.
      context.addIssue({ code: 'custom', path: ['key'], message: 'must not start or end with blanks' })
    } else if (entry.key_sha256 !== undefined && !keySha256Shape.test(entry.key_sha256)) {
      context.addIssue({
        code: 'custom',
        path: ['key_sha256'],
        message: 'expected 64 hex digits, the SHA-256 of the key (printf %s "$KEY" | sha256sum)',
      })
    }
  })

export const rawNamedKeySchema = yamlMap(namedKeyKeys)
export type RawNamedKey = z.output<typeof rawNamedKeySchema>
