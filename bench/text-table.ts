// A plain-text table: the first `leftColumns` columns left-aligned (names), the others right-aligned (numbers).

export function textTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i < leftColumns ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-'
  return Math.abs(value) < 10 ? value.toFixed(2) : value.toFixed(1)
}

export function signedMs(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-'
  return `${value >= 0 ? '+' : ''}${ms(value)}`
}

export function ratio(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '-' : `${value.toFixed(2)}x`
}

export function count(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : Math.round(value).toLocaleString('en-US')
}

export function mb(kb: number | null | undefined): string {
  return kb === null || kb === undefined ? '-' : (kb / 1024).toFixed(1)
}
