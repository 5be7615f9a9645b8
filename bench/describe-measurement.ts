// One line per measurement for the progress log, and whether any of its requests failed (the exit code).
import type { Measurement } from './measurement.js'

export function hasFailedRequests(m: Measurement): boolean {
  switch (m.kind) {
    case 'load':
      return m.result.errors > 0
    case 'chunk-timing':
      return m.result.errors.length > 0
    case 'idle-streams':
      return m.failed > 0
    case 'soak':
      return m.nonStream.errors + m.streams.errors > 0
  }
}

export function describeMeasurement(m: Measurement): string {
  const others = m.otherCpuCores === null ? '' : `, others ${m.otherCpuCores.toFixed(2)} cores`
  switch (m.kind) {
    case 'load': {
      const lag = m.result.maxScheduleLagMs === null ? '' : `, sender at most ${m.result.maxScheduleLagMs.toFixed(1)} ms late`
      const busy = m.targetCores === null ? '' : `, target ${m.targetCores.toFixed(2)} cores`
      return `${m.target}: ${m.result.requestsPerS.toFixed(0)} req/s, p50 ${m.result.total.p50Ms?.toFixed(2) ?? '-'} ms, ${m.result.errors} errors${busy}${lag}${others}`
    }
    case 'chunk-timing':
      return `${m.target}: ${m.result.batchedReads} of ${m.result.eventReads} reads batched, gap p50 ${m.result.gap.p50Ms?.toFixed(1) ?? '-'} ms${others}`
    case 'idle-streams':
      return `${m.target}: ${m.opened} open, ${m.kbPerStream?.toFixed(1) ?? '-'} KB per stream`
    case 'soak':
      return `${m.target}: RSS ${((m.startKb ?? 0) / 1024).toFixed(1)} -> ${((m.endKb ?? 0) / 1024).toFixed(1)} MB, ${((m.slopeKbPerMin ?? 0) / 1024).toFixed(2)} MB/min in the second half${others}`
  }
}
