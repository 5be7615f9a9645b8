// A request's cost in USD: its usage priced at the upstream model's price, else the client model's.
import type { TokenUsage } from '../outcome/request-outcome.js'
import type { PriceTable } from './price-table.js'

export function requestCost(
  prices: PriceTable,
  models: { readonly model: string; readonly upstreamModel?: string | undefined },
  usage: TokenUsage | undefined,
): number | undefined {
  if (usage === undefined) return undefined
  const upstream = models.upstreamModel === undefined ? undefined : prices.costOf(models.upstreamModel, usage)
  return upstream ?? prices.costOf(models.model, usage)
}
