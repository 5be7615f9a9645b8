// The plain-data form of a registry's state: what a scrape renders, and what a worker process sends its primary.

export type MetricType = 'counter' | 'gauge' | 'histogram'

/**
 * How one family combines when several processes' snapshots are merged into one scrape:
 * `sum` (request counters, in-flight gauges), `max` (the same fact in every process, e.g. build info),
 * `per_process` (facts about one process, e.g. its memory: kept apart under a `worker` label).
 */
export type MergeRule = 'sum' | 'max' | 'per_process'

export interface ValueSample {
  /** Label values, in the order of the family's `labelNames`. */
  readonly labels: readonly string[]
  readonly value: number
}

export interface HistogramSample {
  readonly labels: readonly string[]
  /** Per bucket, not cumulative; one more entry than `buckets` (the last is above every bound). */
  readonly counts: readonly number[]
  readonly sum: number
}

interface FamilyHeader {
  readonly name: string
  readonly help: string
  readonly labelNames: readonly string[]
  readonly merge: MergeRule
}

export type FamilySnapshot =
  | (FamilyHeader & { readonly type: 'counter' | 'gauge'; readonly samples: readonly ValueSample[] })
  | (FamilyHeader & { readonly type: 'histogram'; readonly buckets: readonly number[]; readonly samples: readonly HistogramSample[] })
