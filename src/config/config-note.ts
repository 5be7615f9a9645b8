// ConfigNote: a warning about a valid config, at the key path it concerns (logged at start, never fatal).
import type { ConfigPathSegment } from './config-error.js'

export interface ConfigNote {
  readonly path: readonly ConfigPathSegment[]
  readonly message: string
}
