// At start, each named key's budget is seeded with what the records say it spent since its period began: the store
// takes it only when it holds nothing for that key and period (Redis after a restart keeps its own figure).
import type { NamedKeyConfig } from '../config/gateway-config.js'
import { budgetPeriodBounds } from './budget-period.js'
import type { LimitStore } from './limit-store.js'

/** Spend per key name since a time (ms since the epoch), from the records. */
export type SpendSince = (
  sinceMs: number,
  keys: readonly string[],
) => Promise<ReadonlyArray<{ readonly key: string; readonly usd: number; readonly tokens: number }>>

export interface SeedBudgetsInput {
  readonly keys: readonly NamedKeyConfig[]
  readonly store: LimitStore
  readonly spendSince: SpendSince
  readonly wallNow: number
}

export async function seedBudgets({ keys, store, spendSince, wallNow }: SeedBudgetsInput): Promise<void> {
  // One query per period start: keys sharing a budget_period share it.
  const byStart = new Map<number, NamedKeyConfig[]>()
  for (const key of keys) {
    const { budgetUsd, budgetTokens, budgetPeriod } = key.limits
    if (budgetUsd === undefined && budgetTokens === undefined) continue
    const { startsAt } = budgetPeriodBounds(budgetPeriod, wallNow)
    byStart.set(startsAt, [...(byStart.get(startsAt) ?? []), key])
  }
  for (const [startsAt, group] of byStart) {
    const spent = new Map(
      (
        await spendSince(
          startsAt,
          group.map((key) => key.name),
        )
      ).map((row) => [row.key, row]),
    )
    for (const key of group) {
      const row = spent.get(key.name)
      await store.seedSpend(key.name, key.limits.budgetPeriod, startsAt, { usd: row?.usd ?? 0, tokens: row?.tokens ?? 0 })
    }
  }
}
