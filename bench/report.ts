// Turns measurements into one printed table per scenario, with each proxy compared to nginx and to direct.
import type { ChunkTimingMeasurement, IdleStreamsMeasurement, LoadMeasurement, Measurement, SoakMeasurement } from './measurement.js'
import { directTargetName, gatewayTargetName, gatewayWorkersTargetName, referenceTargetName } from './targets.js'
import { count, mb, ms, ratio, signedMs, textTable } from './text-table.js'

export function formatReport(measurements: readonly Measurement[], descriptions: ReadonlyMap<string, string>): string {
  const scenarios = [...new Set(measurements.map((m) => m.scenario))]
  return scenarios
    .map((scenario) => {
      const rows = measurements.filter((m) => m.scenario === scenario)
      return `== ${scenario}: ${descriptions.get(scenario) ?? ''}\n${formatScenario(rows)}`
    })
    .join('\n\n')
}

function formatScenario(rows: readonly Measurement[]): string {
  const first = rows[0]
  switch (first?.kind) {
    case undefined:
      return ''
    case 'load':
      return formatLoad(rows as LoadMeasurement[])
    case 'chunk-timing':
      return formatChunkTiming(rows as ChunkTimingMeasurement[])
    case 'idle-streams':
      return formatIdle(rows as IdleStreamsMeasurement[])
    case 'soak':
      return formatSoak(rows as SoakMeasurement[])
  }
}

function errorsCell(errors: number, kinds: readonly string[]): string {
  return errors === 0 ? '0' : `${errors} (${kinds.join('; ')})`
}

function others(value: number | null): string {
  return value === null ? '-' : value.toFixed(2)
}

/** CPU per stream in ms, per request in us. */
function cpuCell(m: LoadMeasurement): string {
  if (m.targetCpuUsPerRequest === null) return '-'
  return m.scenario === 'stream' ? ms(m.targetCpuUsPerRequest / 1000) : m.targetCpuUsPerRequest.toFixed(1)
}

function formatLoad(rows: readonly LoadMeasurement[]): string {
  const streams = rows[0]?.scenario === 'stream'
  const header = ['target', 'cpus', 'load', 'conc', streams ? 'streams/s' : 'req/s', 'p50 ms', 'p99 ms']
  if (streams) header.push('ttfb p50', 'ttfb p99')
  header.push('target cores', streams ? 'cpu ms/stream' : 'cpu us/req', 'others', 'ok', 'errors')
  const table = textTable(
    header,
    rows.map((m) => {
      const cells = [
        m.target,
        m.cpus,
        m.generator,
        String(m.concurrency),
        count(m.result.requestsPerS),
        ms(m.result.total.p50Ms),
        ms(m.result.total.p99Ms),
      ]
      if (streams) cells.push(ms(m.result.firstByte.p50Ms), ms(m.result.firstByte.p99Ms))
      cells.push(
        m.targetCores === null ? '-' : m.targetCores.toFixed(2),
        cpuCell(m),
        others(m.otherCpuCores),
        count(m.result.ok),
        errorsCell(m.result.errors, m.result.errorKinds),
      )
      return cells
    }),
    3,
  )
  return [table, ...loadComparisons(rows)].join('\n')
}

function loadComparisons(rows: readonly LoadMeasurement[]): string[] {
  const by = (name: string): LoadMeasurement | undefined => rows.find((m) => m.target === name)
  const nginx = by(referenceTargetName)
  const direct = by(directTargetName)
  const lines: string[] = []
  for (const m of rows) {
    if (m.target === referenceTargetName || m.target === directTargetName) continue
    if (nginx !== undefined) {
      const parts = [
        `req/s ${ratio(m.result.requestsPerS / nginx.result.requestsPerS)}`,
        `p50 ${signedMs(diff(m.result.total.p50Ms, nginx.result.total.p50Ms))} ms`,
        `p99 ${signedMs(diff(m.result.total.p99Ms, nginx.result.total.p99Ms))} ms`,
        `CPU per ${m.scenario === 'stream' ? 'stream' : 'request'} ${ratio(quotient(m.targetCpuUsPerRequest, nginx.targetCpuUsPerRequest))}`,
      ]
      if (m.scenario === 'stream')
        parts.splice(1, 0, `ttfb p50 ${signedMs(diff(m.result.firstByte.p50Ms, nginx.result.firstByte.p50Ms))} ms`)
      lines.push(`  ${m.target} vs nginx: ${parts.join(', ')}`)
    }
    if (m.target === gatewayWorkersTargetName) {
      const single = by(gatewayTargetName)
      if (single !== undefined) lines.push(`  ${m.target} vs gateway: req/s ${ratio(m.result.requestsPerS / single.result.requestsPerS)}`)
    }
  }
  if (rows[0]?.scenario === 'stream' && direct !== undefined) {
    for (const m of rows) {
      if (m.target === directTargetName) continue
      lines.push(
        `  ${m.target} added time to first byte (vs direct): p50 ${signedMs(diff(m.result.firstByte.p50Ms, direct.result.firstByte.p50Ms))} ms, p99 ${signedMs(diff(m.result.firstByte.p99Ms, direct.result.firstByte.p99Ms))} ms`,
      )
    }
  }
  if (rows[0]?.scenario === 'saturate' && nginx?.targetCores !== null && nginx?.targetCores !== undefined && nginx.targetCores < 0.9) {
    lines.push(
      `  note: nginx kept ${Math.round(nginx.targetCores * 100)}% of its core busy: the load side (core 0) limited it, so req/s ratios to nginx overstate the gateway; CPU per request compares capacity per core`,
    )
  }
  return lines
}

function formatChunkTiming(rows: readonly ChunkTimingMeasurement[]): string {
  return textTable(
    [
      'target',
      'cpus',
      'streams ok',
      'events',
      'event reads',
      'batched reads',
      'max events/read',
      'gap p1 ms',
      'gap p50 ms',
      'gap p99 ms',
      'gap max ms',
      'errors',
    ],
    rows.map((m) => {
      const r = m.result
      return [
        m.target,
        m.cpus,
        `${r.completeStreams}/${r.streams}`,
        count(r.events),
        count(r.eventReads),
        count(r.batchedReads),
        String(r.maxEventsPerRead),
        ms(r.gap.p1Ms),
        ms(r.gap.p50Ms),
        ms(r.gap.p99Ms),
        ms(r.gap.maxMs),
        r.errors.length === 0 ? '0' : r.errors.join('; '),
      ]
    }),
    2,
  )
}

function formatIdle(rows: readonly IdleStreamsMeasurement[]): string {
  const table = textTable(
    ['target', 'cpus', 'open', 'failed', 'RSS before MB', 'RSS open MB', 'RSS closed MB', 'KB/stream', 'errors'],
    rows.map((m) => [
      m.target,
      m.cpus,
      `${m.opened}/${m.requested}`,
      String(m.failed),
      mb(m.rssBeforeKb),
      mb(m.rssOpenKb),
      mb(m.rssClosedKb),
      m.kbPerStream === null ? '-' : m.kbPerStream.toFixed(1),
      m.errors.length === 0 ? '0' : m.errors.join('; '),
    ]),
    2,
  )
  return `${table}\n  (direct: the mock's own memory per stream; the others: the proxy's, the mock and the client not counted)`
}

function formatSoak(rows: readonly SoakMeasurement[]): string {
  const table = textTable(
    [
      'target',
      'seconds',
      'req/s',
      'streams/s',
      'ok',
      'errors',
      'p50 ms',
      'p99 ms',
      'RSS start MB',
      'RSS end MB',
      'RSS max MB',
      'MB/min (2nd half)',
      'others',
    ],
    rows.map((m) => [
      m.target,
      String(m.durationS),
      count(m.ratePerS),
      m.streamsPerS.toFixed(1),
      count(m.nonStream.ok + m.streams.ok),
      errorsCell(m.nonStream.errors + m.streams.errors, [...m.nonStream.errorKinds, ...m.streams.errorKinds]),
      ms(m.nonStream.total.p50Ms),
      ms(m.nonStream.total.p99Ms),
      mb(m.startKb),
      mb(m.endKb),
      mb(m.maxKb),
      m.slopeKbPerMin === null ? '-' : (m.slopeKbPerMin / 1024).toFixed(2),
      others(m.otherCpuCores),
    ]),
    1,
  )
  const series = rows.map((m) => {
    const perMinute = m.samples.filter(
      (s, i) => i === 0 || Math.floor(s.atS / 60) !== Math.floor((m.samples[i - 1] as { atS: number }).atS / 60),
    )
    return `  ${m.target} RSS MB by minute: ${perMinute.map((s) => mb(s.rssKb)).join(', ')}`
  })
  return [table, ...series].join('\n')
}

export function diff(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined ? null : a - b
}

export function quotient(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b
}
