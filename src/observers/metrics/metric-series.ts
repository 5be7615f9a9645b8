// One time series each: a counter, a gauge, a histogram with fixed buckets. Kept tiny: these run per request.

export class CounterSeries {
  value = 0

  inc(by = 1): void {
    this.value += by
  }
}

export class GaugeSeries {
  value = 0

  set(value: number): void {
    this.value = value
  }
}

export class HistogramSeries {
  /** Per bucket, not cumulative; the last slot counts observations above every bound. */
  readonly counts: number[]
  sum = 0
  readonly #bounds: readonly number[]

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds
    this.counts = new Array<number>(bounds.length + 1).fill(0)
  }

  observe(value: number): void {
    const bounds = this.#bounds
    let i = 0
    // Prometheus buckets are "less than or equal": a value on a bound counts in that bound's bucket.
    while (i < bounds.length && value > (bounds[i] as number)) i++
    this.counts[i] = (this.counts[i] as number) + 1
    this.sum += value
  }
}
