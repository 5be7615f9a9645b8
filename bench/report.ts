// Turns measurements into the printed table, the gateway/direct ratios, and the JSON written by --json.
import { cpus } from 'node:os'
import type { BenchOptions } from './bench-options.js'
import type { LoadResult } from './load-job.js'
import type { Measurement } from './measure.js'
import type { Figure } from './scenarios.js'

const figureLabels: Record<Figure, string> = {
  requestsPerS: 'req/s',
  totalP50: 'p50',
  totalP99: 'p99',
  firstByteP50: 'ttfb p50',
  firstByteP99: 'ttfb p99',
}

export function figureValue(result: LoadResult, figure: Figure): number | null {
  switch (figure) {
    case 'requestsPerS':
      return result.requestsPerS
    case 'totalP50':
      return result.total.p50Ms
    case 'totalP99':
      return result.total.p99Ms
    case 'firstByteP50':
      return result.firstByte.p50Ms
    case 'firstByteP99':
      return result.firstByte.p99Ms
  }
}

export function formatTable(measurements: readonly Measurement[]): string {
  const header = ['scenario', 'target', 'conc', 'req/s', 'p50 ms', 'p99 ms', 'ttfb p50', 'ttfb p99', 'cpu us/req', 'others', 'ok', 'errors']
  const rows = measurements.map((m) => [
    m.scenario,
    m.target,
    String(m.concurrency),
    m.result.requestsPerS.toFixed(0),
    ms(m.result.total.p50Ms),
    ms(m.result.total.p99Ms),
    ms(m.result.firstByte.p50Ms),
    ms(m.result.firstByte.p99Ms),
    m.targetCpuUsPerRequest === null ? '-' : m.targetCpuUsPerRequest.toFixed(0),
    m.otherCpuCores === null ? '-' : m.otherCpuCores.toFixed(2),
    String(m.result.ok),
    m.result.errors === 0 ? '0' : `${m.result.errors} (${m.result.errorKinds.join('; ')})`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)))
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

/** One line per scenario and non-baseline target: each figure as target/baseline, latencies also as a difference. */
export function formatRatios(measurements: readonly Measurement[], baseline: string): string {
  const lines: string[] = []
  for (const m of measurements) {
    if (m.target === baseline) continue
    const base = measurements.find((b) => b.scenario === m.scenario && b.target === baseline)
    if (base === undefined) continue
    const parts = m.figures.map((figure) => {
      const value = figureValue(m.result, figure)
      const reference = figureValue(base.result, figure)
      if (value === null || reference === null || reference === 0) return `${figureLabels[figure]} -`
      const ratio = `${figureLabels[figure]} ${(value / reference).toFixed(2)}x`
      return figure === 'requestsPerS' ? ratio : `${ratio} (${signed(value - reference)} ms)`
    })
    lines.push(`${m.scenario} ${m.target}/${baseline}: ${parts.join(', ')}`)
  }
  return lines.join('\n')
}

/** A warning when processes outside the benchmark used more than `limitCores` during some measurement. */
export function formatInterference(measurements: readonly Measurement[], limitCores: number): string {
  const noisy = measurements.filter((m) => m.otherCpuCores !== null && m.otherCpuCores > limitCores)
  if (noisy.length === 0) return ''
  const which = noisy.map((m) => `${m.scenario}/${m.target} (${(m.otherCpuCores as number).toFixed(2)} cores)`).join(', ')
  return `warning: other processes competed for the CPUs during ${which}: run again on a quiet machine before comparing those\n`
}

export function resultsDocument(options: BenchOptions, measurements: readonly Measurement[]): unknown {
  const cpu = cpus()
  return {
    generatedAt: new Date().toISOString(),
    machine: { node: process.version, platform: process.platform, cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown' },
    options,
    measurements,
  }
}

export function ms(value: number | null): string {
  return value === null ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1)
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(2)}`
}
