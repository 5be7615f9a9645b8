// The USD cost of one request: its usage at the price of the model the upstream was sent, else the client's model.
import type { TokenUsage } from '../outcome/request-outcome.js'
import type { PriceTable } from './price-table.js'

export interface CostedModels {
  /** The client's model name. */
  readonly model: string
  /** The name the answering upstream was sent (its `models` mapping), when one answered. */
  readonly upstreamModel?: string | undefined
}

/**
 * The upstream's own name is priced first: a client alias (`fast`) mapped to `gpt-4o-mini` costs what
 * gpt-4o-mini costs. Undefined without usage, or when neither name has a price.
 */
export function requestCost(prices: PriceTable, models: CostedModels, usage: TokenUsage | undefined): number | undefined {
  if (usage === undefined || prices.empty) return undefined
  const { model, upstreamModel } = models
  if (upstreamModel !== undefined && upstreamModel !== model) {
    const cost = prices.costOf(upstreamModel, usage)
    if (cost !== undefined) return cost
  }
  return prices.costOf(model, usage)
}
