// What promtool 2.42 lets through in a Prometheus text exposition but a server rejects or mis-reads:
// a series twice (Prometheus drops the scrape), a sample of no declared family, a family declared twice.

/** Each problem as a sentence; none for a clean exposition. */
export function expositionProblems(text: string): string[] {
  const problems: string[] = []
  const declared = new Map<string, string>()
  const helped = new Set<string>()
  const series = new Set<string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const comment = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line)
    if (comment !== null) {
      const [, kind, name, rest] = comment as unknown as [string, string, string, string | undefined]
      if (kind === 'TYPE') {
        if (declared.has(name)) problems.push(`TYPE of ${name} twice`)
        declared.set(name, rest ?? '')
      } else {
        if (helped.has(name)) problems.push(`HELP of ${name} twice`)
        helped.add(name)
      }
      continue
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line)
    if (sample === null) {
      problems.push(`not a sample: ${line}`)
      continue
    }
    const name = sample[1] as string
    const family = familyOf(name, declared)
    if (family === undefined) problems.push(`${name} has no TYPE`)
    // Series are the same whatever the order of their labels.
    const labels = [...(sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => `${m[1]}=${m[2]}`).sort()
    const key = `${name}{${labels.join(',')}}`
    if (series.has(key)) problems.push(`series ${key} twice`)
    series.add(key)
  }
  return problems
}

function familyOf(name: string, declared: ReadonlyMap<string, string>): string | undefined {
  if (declared.has(name)) return name
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined
    if (base !== undefined && declared.get(base) === 'histogram') return base
  }
  return undefined
}
