// Metric families and the registry that snapshots them: series are created once per label set and then
// kept by the caller, so the per-request path never builds a label key.
import { CounterSeries, GaugeSeries, HistogramSeries } from './metric-series.js'
import type { FamilySnapshot, HistogramSample, MergeRule, ValueSample } from './metrics-snapshot.js'

export interface FamilySpec {
  /** Full name, e.g. `openai_api_route_requests_total`. */
  readonly name: string
  readonly help: string
  readonly labelNames?: readonly string[]
  /** Default `sum`. */
  readonly merge?: MergeRule
}

/** Label values → series; `labels()` is for set-up and cache misses, not for every request. */
class Family<Series> {
  readonly spec: FamilySpec
  readonly #series = new Map<string, { labels: readonly string[]; series: Series }>()
  readonly #create: () => Series

  constructor(spec: FamilySpec, create: () => Series) {
    this.spec = spec
    this.#create = create
  }

  labels(...values: string[]): Series {
    const expected = this.spec.labelNames?.length ?? 0
    if (values.length !== expected) throw new Error(`${this.spec.name} takes ${expected} label values, got ${values.length}`)
    const key = values.join('\u0000')
    let entry = this.#series.get(key)
    if (entry === undefined) {
      entry = { labels: values, series: this.#create() }
      this.#series.set(key, entry)
    }
    return entry.series
  }

  entries(): IterableIterator<{ labels: readonly string[]; series: Series }> {
    return this.#series.values()
  }
}

export class CounterFamily extends Family<CounterSeries> {}
export class GaugeFamily extends Family<GaugeSeries> {}
export class HistogramFamily extends Family<HistogramSeries> {
  readonly buckets: readonly number[]

  constructor(spec: FamilySpec, buckets: readonly number[]) {
    super(spec, () => new HistogramSeries(buckets))
    this.buckets = buckets
  }
}

/** A family whose samples are read when scraped (process facts, queue depths, in-flight counts). */
export interface CollectedSpec extends FamilySpec {
  readonly type: 'counter' | 'gauge'
  readonly collect: () => readonly ValueSample[]
}

type Registered =
  | { readonly kind: 'counter'; readonly family: CounterFamily }
  | { readonly kind: 'gauge'; readonly family: GaugeFamily }
  | { readonly kind: 'histogram'; readonly family: HistogramFamily }
  | { readonly kind: 'collected'; readonly spec: CollectedSpec }

const validName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const validLabel = /^[a-zA-Z_][a-zA-Z0-9_]*$/

export class MetricRegistry {
  readonly #families: Registered[] = []
  readonly #names = new Set<string>()

  counter(spec: FamilySpec): CounterFamily {
    this.#claim(spec)
    const family = new CounterFamily(spec, () => new CounterSeries())
    this.#families.push({ kind: 'counter', family })
    return family
  }

  gauge(spec: FamilySpec): GaugeFamily {
    this.#claim(spec)
    const family = new GaugeFamily(spec, () => new GaugeSeries())
    this.#families.push({ kind: 'gauge', family })
    return family
  }

  histogram(spec: FamilySpec & { readonly buckets: readonly number[] }): HistogramFamily {
    this.#claim(spec)
    if (spec.buckets.some((bound, i) => i > 0 && bound <= (spec.buckets[i - 1] as number)))
      throw new Error(`${spec.name}: buckets must increase`)
    const family = new HistogramFamily(spec, spec.buckets)
    this.#families.push({ kind: 'histogram', family })
    return family
  }

  collected(spec: CollectedSpec): void {
    this.#claim(spec)
    this.#families.push({ kind: 'collected', spec })
  }

  /** Copies every family's current values: safe to render later or to send to another process. */
  snapshot(): FamilySnapshot[] {
    return this.#families.map((registered): FamilySnapshot => {
      switch (registered.kind) {
        case 'counter':
        case 'gauge': {
          const samples: ValueSample[] = []
          for (const { labels, series } of registered.family.entries()) samples.push({ labels, value: series.value })
          return { ...header(registered.family.spec), type: registered.kind, samples }
        }
        case 'histogram': {
          const samples: HistogramSample[] = []
          for (const { labels, series } of registered.family.entries())
            samples.push({ labels, counts: [...series.counts], sum: series.sum })
          return { ...header(registered.family.spec), type: 'histogram', buckets: registered.family.buckets, samples }
        }
        case 'collected':
          return { ...header(registered.spec), type: registered.spec.type, samples: registered.spec.collect() }
      }
    })
  }

  #claim(spec: FamilySpec): void {
    if (!validName.test(spec.name)) throw new Error(`invalid metric name ${spec.name}`)
    for (const label of spec.labelNames ?? []) {
      if (!validLabel.test(label) || label.startsWith('__') || label === 'le') throw new Error(`${spec.name}: invalid label name ${label}`)
    }
    if (this.#names.has(spec.name)) throw new Error(`metric ${spec.name} is registered twice`)
    this.#names.add(spec.name)
  }
}

function header(spec: FamilySpec): { name: string; help: string; labelNames: readonly string[]; merge: MergeRule } {
  return { name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], merge: spec.merge ?? 'sum' }
}
