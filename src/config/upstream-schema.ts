// The raw shape of one `upstreams:` entry as written in YAML: the predecessor's keys plus the new ones.
import { z } from 'zod'
import { upstreamTypes } from './gateway-config.js'
import { upstreamHealthSchema } from './health-schema.js'
import { clientKeysSchema, endpointSchema, hostNameSchema, retriesSchema, secondsSchema, yamlMap } from './value-schemas.js'

const upstreamKeys = z
  .strictObject({
    /** Upstream API key; `asis` forwards the client's own Authorization; unset sends none. */
    sk: z.string().optional(),
    /** Unset: the default for `type` (see config-defaults.ts). */
    endpoint: endpointSchema.optional(),
    type: z.enum(upstreamTypes).default('openai'),
    name: z.string().optional(),
    // Unset timeouts inherit the global ones.
    timeout: secondsSchema.optional(),
    stream_timeout: secondsSchema.optional(),
    idle_timeout: secondsSchema.optional(),
    total_timeout: secondsSchema.optional(),
    /** Unset: the global `retries`. */
    retries: retriesSchema.optional(),
    allow: z.array(z.string()).default([]),
    deny: z.array(z.string()).default([]),
    /** Replaces the global client key list for this upstream. */
    authorization: clientKeysSchema.optional(),
    noauth: z.boolean().default(false),
    keep_header: z.boolean().default(false),
    allowed_hosts: z.array(hostNameSchema).optional(),
    api_version: z.string().optional(),
    deployments: z.record(z.string(), z.string()).default({}),
    /** Client model name → this upstream's model name; a mapped name is served even if `allow` does not list it. */
    models: z.record(z.string().min(1, 'must not be empty'), z.string().min(1, 'must not be empty')).default({}),
    /** `lb_policy: weighted`: this upstream's share; 0 = tried only after every weighted one (failover only). */
    weight: z.number().min(0, 'must be 0 or more').default(1),
    /** Overrides keys of the top-level `health:` for this upstream. */
    health: upstreamHealthSchema.optional(),
  })
  .superRefine((upstream, context) => {
    if (upstream.type === 'azure' && upstream.endpoint === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: 'is required for type azure (e.g. https://<resource>.openai.azure.com/openai)',
      })
    }
  })

export const rawUpstreamSchema = yamlMap(upstreamKeys)
export type RawUpstream = z.output<typeof rawUpstreamSchema>
