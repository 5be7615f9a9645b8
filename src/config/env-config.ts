// The config used when there is no config file: one OpenAI upstream described by environment variables.
import { ConfigError, formatConfigProblem, type ConfigProblem } from './config-error.js'
import { environmentListenAddress } from './config-defaults.js'
import { rawConfigSchema } from './config-schema.js'
import { deepFreeze } from './deep-freeze.js'
import { describeIssues } from './describe-issues.js'
import type { LoadedConfig } from './load-config.js'
import { toGatewayConfig } from './to-gateway-config.js'
import { splitClientKeys } from './value-schemas.js'

export const environmentSource = 'environment'

/** Which variable fed which key, so a problem names the variable to fix. */
const variableOfKey: Readonly<Record<string, string>> = {
  address: 'OPENAI_API_ROUTE_ADDRESS',
  authorization: 'OPENAI_API_ROUTE_KEYS',
  'upstreams.0.sk': 'OPENAI_API_KEY',
  'upstreams.0.endpoint': 'OPENAI_BASE_URL',
}

/**
 * OPENAI_API_KEY (upstream key), OPENAI_BASE_URL (endpoint), OPENAI_API_ROUTE_KEYS (comma-separated client keys;
 * unset: anyone may call), OPENAI_API_ROUTE_ADDRESS (default 127.0.0.1:8888). Everything else takes the file defaults.
 */
export function configFromEnvironment(env: NodeJS.ProcessEnv): LoadedConfig {
  const clientKeys = splitClientKeys(env['OPENAI_API_ROUTE_KEYS'] ?? '')
  // Through the same schema as a file, so defaults and validation have one home.
  const input = {
    address: env['OPENAI_API_ROUTE_ADDRESS'] || environmentListenAddress,
    authorization: clientKeys,
    upstreams: [{ type: 'openai', sk: env['OPENAI_API_KEY'], endpoint: env['OPENAI_BASE_URL'], noauth: clientKeys.length === 0 }],
  }
  const result = rawConfigSchema.safeParse(input)
  if (!result.success) {
    const problems = describeIssues(result.error.issues, input).map((issue): ConfigProblem => ({
      file: environmentSource,
      line: 0,
      col: 0,
      path: variableOfKey[issue.path.join('.')] ?? issue.path.join('.'),
      message: issue.message,
    }))
    throw new ConfigError(problems)
  }
  // No named keys come from the environment, so no problem can show only in the mapped config.
  const { config, notes } = toGatewayConfig(result.data, environmentSource, env)
  const messages = notes.map((note) => note.message)
  if (!env['OPENAI_API_KEY']) messages.push('OPENAI_API_KEY is not set: requests go upstream without an API key')
  if (clientKeys.length === 0) messages.push('OPENAI_API_ROUTE_KEYS is not set: any client may use the gateway without a key')
  const warnings = messages.map((message) => formatConfigProblem({ file: environmentSource, line: 0, col: 0, path: '', message }))
  return deepFreeze({ config, warnings })
}
