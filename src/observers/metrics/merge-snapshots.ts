// Merges several processes' snapshots into one scrape (the primary of `--workers N` answers for all its workers).
import type { FamilySnapshot, HistogramSample, ValueSample } from './metrics-snapshot.js'

/**
 * `processes[i]` is process i's snapshot; `processNames[i]` (default `i`) becomes its `worker` label in
 * `per_process` families. Families are matched by name; a family only some processes have is kept.
 */
export function mergeSnapshots(
  processes: ReadonlyArray<readonly FamilySnapshot[]>,
  processNames: readonly string[] = [],
): FamilySnapshot[] {
  const order: string[] = []
  const byName = new Map<string, FamilySnapshot[]>()
  processes.forEach((families, index) => {
    for (const family of families) {
      const tagged = family.merge === 'per_process' ? withWorkerLabel(family, processNames[index] ?? String(index)) : family
      const list = byName.get(family.name)
      if (list === undefined) {
        order.push(family.name)
        byName.set(family.name, [tagged])
      } else {
        list.push(tagged)
      }
    }
  })
  return order.map((name) => combine(byName.get(name) as FamilySnapshot[]))
}

function withWorkerLabel(family: FamilySnapshot, worker: string): FamilySnapshot {
  const labelNames = [...family.labelNames, 'worker']
  if (family.type === 'histogram')
    return { ...family, labelNames, samples: family.samples.map((s) => ({ ...s, labels: [...s.labels, worker] })) }
  return { ...family, labelNames, samples: family.samples.map((s) => ({ ...s, labels: [...s.labels, worker] })) }
}

function combine(copies: readonly FamilySnapshot[]): FamilySnapshot {
  const first = copies[0] as FamilySnapshot
  if (first.type === 'histogram') {
    const merged = new Map<string, HistogramSample>()
    for (const copy of copies) {
      if (copy.type !== 'histogram') continue
      for (const sample of copy.samples) {
        const key = sample.labels.join('\u0000')
        const seen = merged.get(key)
        merged.set(
          key,
          seen === undefined
            ? sample
            : { labels: seen.labels, counts: seen.counts.map((n, i) => n + (sample.counts[i] ?? 0)), sum: seen.sum + sample.sum },
        )
      }
    }
    return { ...first, samples: [...merged.values()] }
  }
  const merged = new Map<string, ValueSample>()
  for (const copy of copies) {
    if (copy.type === 'histogram') continue
    for (const sample of copy.samples) {
      const key = sample.labels.join('\u0000')
      const seen = merged.get(key)
      if (seen === undefined) merged.set(key, sample)
      else
        merged.set(key, {
          labels: seen.labels,
          value: first.merge === 'max' ? Math.max(seen.value, sample.value) : seen.value + sample.value,
        })
    }
  }
  return { ...first, samples: [...merged.values()] }
}
