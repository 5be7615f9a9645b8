// Renders snapshots in the Prometheus text exposition format, version 0.0.4.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
import type { FamilySnapshot } from './metrics-snapshot.js'

export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8'

export function renderPrometheusText(families: readonly FamilySnapshot[]): string {
  const lines: string[] = []
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`)
    if (family.type === 'histogram') {
      const bounds = family.buckets.map(formatNumber)
      bounds.push('+Inf')
      for (const sample of family.samples) {
        const labels = labelPairs(family.labelNames, sample.labels)
        const prefix = labels === '' ? '' : `${labels},`
        let cumulative = 0
        sample.counts.forEach((count, i) => {
          cumulative += count
          lines.push(`${family.name}_bucket{${prefix}le="${bounds[i] ?? '+Inf'}"} ${formatNumber(cumulative)}`)
        })
        const braces = labels === '' ? '' : `{${labels}}`
        lines.push(`${family.name}_sum${braces} ${formatNumber(sample.sum)}`, `${family.name}_count${braces} ${formatNumber(cumulative)}`)
      }
    } else {
      for (const sample of family.samples) {
        const labels = labelPairs(family.labelNames, sample.labels)
        lines.push(`${family.name}${labels === '' ? '' : `{${labels}}`} ${formatNumber(sample.value)}`)
      }
    }
  }
  lines.push('')
  return lines.join('\n')
}

function labelPairs(names: readonly string[], values: readonly string[]): string {
  let text = ''
  for (let i = 0; i < names.length; i++) {
    if (i > 0) text += ','
    text += `${names[i]}="${escapeLabelValue(values[i] ?? '')}"`
  }
  return text
}

export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))
}

function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'))
}
