// Latency summaries: nearest-rank percentiles computed from the sorted samples (no histograms, no interpolation).

/** Null figures mean no samples (null, not NaN, because the summary crosses IPC and JSON). */
export interface LatencySummary {
  readonly count: number
  readonly p50Ms: number | null
  readonly p99Ms: number | null
  readonly meanMs: number | null
  readonly maxMs: number | null
}

/** Nearest-rank percentile of ascending `sorted`: the smallest sample with at least p% of samples at or below it. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}

export function summarizeLatencies(samplesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort()
  let sum = 0
  for (const x of sorted) sum += x
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: sorted.length === 0 ? null : sum / sorted.length,
    maxMs: sorted.length === 0 ? null : (sorted[sorted.length - 1] as number),
  }
}
