// The running build's version, from package.json, for the build-info metric.
import { readFileSync } from 'node:fs'

/** Compiled, this module sits at dist/src/observers/metrics/, four levels below package.json. */
const packageJson = new URL('../../../../package.json', import.meta.url)

export function buildVersion(): string {
  try {
    const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown }).version
    return typeof version === 'string' ? version : 'unknown'
  } catch {
    // A relocated build without package.json still runs; the metric then says so.
    return 'unknown'
  }
}
