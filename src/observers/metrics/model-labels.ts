// The `model` label: models the config names, then models as requests bring them, up to a bound per
// process; every other model is `other`, so clients cannot grow the series count without limit.
import { otherLabel } from './metric-labels.js'

/** A longer model name is `other`: a label is always a whole model name, never a cut one. */
export const maxModelLabelLength = 128

export interface ModelLabelsOptions {
  /** Always labelled as themselves (upstream `allow` lists, Azure `deployments`, `metrics.models`). */
  readonly configured: ReadonlySet<string>
  /** How many more models, seen in requests, get their own label (`metrics.max_models`). */
  readonly maxSeen: number
}

export class ModelLabels {
  readonly #labelled: Set<string>
  readonly #maxSeen: number
  #seen = 0

  constructor(options: ModelLabelsOptions) {
    this.#labelled = new Set(options.configured)
    this.#maxSeen = options.maxSeen
  }

  /** The model's label if it has one already, else `other`. */
  labelOf(model: string): string {
    return this.#labelled.has(model) ? model : otherLabel
  }

  /** The model's label, first giving it one while fewer than `maxSeen` seen models have one. */
  admit(model: string): string {
    if (this.#labelled.has(model)) return model
    if (this.#seen >= this.#maxSeen || !fitsLabel(model)) return otherLabel
    this.#seen++
    this.#labelled.add(model)
    return model
  }
}

/** Control characters (C0, DEL, C1) and, under the `u` flag, only lone surrogates (a pair is one code point). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they never become a label
const unfit = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/u

/**
 * A client chooses the model string: only a short, well-formed one without control characters becomes a label
 * (the text format escapes backslash, quote and newline; the rest would still upset readers of the scrape).
 */
function fitsLabel(model: string): boolean {
  return model !== '' && model.length <= maxModelLabelLength && model !== otherLabel && !unfit.test(model)
}
