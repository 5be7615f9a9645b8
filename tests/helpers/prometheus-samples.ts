// Reads Prometheus text into samples, so tests can ask for one series' value by its labels.

export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = sampleLine.exec(line)
    if (match === null) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const pair of (match[2] ?? '').matchAll(labelPair))
      labels[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    const raw = match[3] as string
    samples.push({ name: match[1] as string, labels, value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) })
  }
  return samples
}

/** The sum over every series of `name` whose labels include `labels` (0 when there is none). */
export function sumOf(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number {
  let total = 0
  for (const sample of samples) {
    if (sample.name !== name) continue
    if (Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) total += sample.value
  }
  return total
}

/** Whether any series of `name` exists with labels including `labels`. */
export function hasSeries(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): boolean {
  return samples.some((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
}
