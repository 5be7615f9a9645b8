// `prices:`: USD per million tokens by model. A model's price is its exact entry, else the first glob entry (in the
// file's order) that matches it. Cost is what records, the cost metric and `budget_usd` count.
import type { ModelPrice } from '../config/gateway-config.js'
import { compileGlob, isGlob, type ModelGlob } from '../config/model-glob.js'
import type { TokenUsage } from '../outcome/request-outcome.js'

export class PriceTable {
  #exact = new Map<string, ModelPrice>()
  #globs: ReadonlyArray<readonly [ModelGlob, ModelPrice]> = []

  constructor(prices: Readonly<Record<string, ModelPrice>>) {
    this.update(prices)
  }

  /**
   * Prices from a reloaded config: each cost computed from now on uses them (a cost is one call, so it never mixes
   * the two tables). The table is shared by the limits, the cost metric and the records, which all see the change.
   */
  update(prices: Readonly<Record<string, ModelPrice>>): void {
    const exact = new Map<string, ModelPrice>()
    const globs: Array<readonly [ModelGlob, ModelPrice]> = []
    for (const [pattern, price] of Object.entries(prices)) {
      if (isGlob(pattern)) globs.push([compileGlob(pattern), price])
      else exact.set(pattern, price)
    }
    this.#exact = exact
    this.#globs = globs
  }

  get empty(): boolean {
    return this.#exact.size === 0 && this.#globs.length === 0
  }

  priceOf(model: string): ModelPrice | undefined {
    const exact = this.#exact.get(model)
    if (exact !== undefined) return exact
    for (const [matches, price] of this.#globs) if (matches(model)) return price
    return undefined
  }

  /** USD for this usage of the model; undefined when the model has no price. */
  costOf(model: string, usage: Pick<TokenUsage, 'promptTokens' | 'completionTokens' | 'cachedPromptTokens'>): number | undefined {
    const price = this.priceOf(model)
    return price === undefined ? undefined : costAt(price, usage)
  }
}

/** USD for a usage at a price: cached prompt tokens at `cachedInput` (else `input`), the rest at `input`, completion at `output`. */
export function costAt(price: ModelPrice, usage: Pick<TokenUsage, 'promptTokens' | 'completionTokens' | 'cachedPromptTokens'>): number {
  const cached = Math.min(usage.cachedPromptTokens ?? 0, usage.promptTokens)
  const uncached = usage.promptTokens - cached
  const micro = uncached * price.input + cached * (price.cachedInput ?? price.input) + usage.completionTokens * price.output
  return micro / 1_000_000
}
