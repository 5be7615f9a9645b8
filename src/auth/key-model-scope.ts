// Which client models a named key may ask for (`keys[].models`): its globs, compiled once per key and kept as long as
// the config snapshot holding the key is.
import type { NamedKeyConfig } from '../config/gateway-config.js'
import { compileGlob, type ModelGlob } from '../config/model-glob.js'
import type { ClientIdentity } from './authenticate.js'

const compiled = new WeakMap<NamedKeyConfig, readonly ModelGlob[]>()

/** Whether the identity may ask for this client model: any identity but a named key with `models` that none matches. */
export function mayUseModel(identity: ClientIdentity, model: string): boolean {
  const named = identity.kind === 'key' ? identity.named : undefined
  if (named === undefined || named.models.length === 0) return true
  let globs = compiled.get(named)
  if (globs === undefined) {
    globs = named.models.map(compileGlob)
    compiled.set(named, globs)
  }
  return globs.some((matches) => matches(model))
}
