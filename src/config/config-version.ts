// A short name for the effective configuration (`x-config-version`, `/readyz`): the same file and environment give
// the same name in every process, and any change that reaches the config gives another.
import { createHash } from 'node:crypto'
import type { GatewayConfig } from './gateway-config.js'

/** 12 hex digits of the SHA-256 of the mapped config: too short to say anything about the secrets it holds. */
export function configVersion(config: GatewayConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 12)
}
