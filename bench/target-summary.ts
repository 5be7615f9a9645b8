// The issue's targets, each checked on figures of this one run: the gateway against nginx (or direct) and a limit.
import type { ChunkTimingMeasurement, IdleStreamsMeasurement, LoadMeasurement, Measurement, SoakMeasurement } from './measurement.js'
import { diff, quotient } from './report.js'
import { directTargetName, gatewayTargetName, gatewayWorkersTargetName, nodeRelayTargetName, referenceTargetName } from './targets.js'
import { ratio, signedMs, textTable } from './text-table.js'

export type Verdict = 'PASS' | 'FAIL' | 'n/a'

export interface TargetCheck {
  readonly name: string
  readonly measured: string
  readonly target: string
  readonly verdict: Verdict
  readonly note: string
}

/** Memory growth the soak tolerates over its second half: ~35 bytes per request at 500 requests/s. */
export const soakSlopeLimitKbPerMin = 1024

function verdict(ok: boolean | null): Verdict {
  return ok === null ? 'n/a' : ok ? 'PASS' : 'FAIL'
}

export function checkTargets(measurements: readonly Measurement[]): TargetCheck[] {
  const load = (scenario: string, target: string): LoadMeasurement | undefined =>
    measurements.find((m): m is LoadMeasurement => m.kind === 'load' && m.scenario === scenario && m.target === target)
  const checks: TargetCheck[] = []
  const add = (name: string, target: string, value: number | null, shown: string, ok: (v: number) => boolean, note = ''): void => {
    checks.push({ name, measured: value === null ? '-' : shown, target, verdict: verdict(value === null ? null : ok(value)), note })
  }

  const satGateway = load('saturate', gatewayTargetName)
  const satNginx = load('saturate', referenceTargetName)
  const throughput = quotient(satGateway?.result.requestsPerS, satNginx?.result.requestsPerS)
  // CPU per request of each on its own core: the ratio of what each would do with its core fully busy.
  const capacity = quotient(satNginx?.targetCpuUsPerRequest, satGateway?.targetCpuUsPerRequest)
  const nginxBusy = satNginx?.targetCores ?? null
  const worst = throughput === null ? null : capacity === null ? throughput : Math.min(throughput, capacity)
  const satRelay = load('saturate', nodeRelayTargetName)
  const relayCapacity = quotient(satNginx?.targetCpuUsPerRequest, satRelay?.targetCpuUsPerRequest)
  add(
    'saturated non-stream req/s, gateway/nginx',
    '>= 0.20 (aim 0.25)',
    worst,
    `${ratio(throughput)} (per-core capacity ${ratio(capacity)})`,
    (v) => v >= 0.2,
    [
      'verdict on the lower of the two',
      nginxBusy !== null && nginxBusy < 0.9 ? `nginx kept only ${Math.round(nginxBusy * 100)}% of its core busy (load-side limit)` : '',
      worst !== null && worst < 0.25 && worst >= 0.2 ? 'below the 0.25 aim' : '',
      relayCapacity === null ? '' : `node-relay floor: per-core capacity ${ratio(relayCapacity)}`,
    ]
      .filter((part) => part !== '')
      .join('; '),
  )

  const fixedGateway = load('fixed-rate', gatewayTargetName)
  const fixedNginx = load('fixed-rate', referenceTargetName)
  const p50 = diff(fixedGateway?.result.total.p50Ms, fixedNginx?.result.total.p50Ms)
  const p99 = diff(fixedGateway?.result.total.p99Ms, fixedNginx?.result.total.p99Ms)
  add('fixed-rate p50, gateway - nginx', '<= +0.5 ms', p50, `${signedMs(p50)} ms`, (v) => v <= 0.5)
  add('fixed-rate p99, gateway - nginx', '<= +2 ms', p99, `${signedMs(p99)} ms`, (v) => v <= 2)

  const streamGateway = load('stream', gatewayTargetName)
  const ttfb = diff(streamGateway?.result.firstByte.p50Ms, load('stream', directTargetName)?.result.firstByte.p50Ms)
  add('stream added time to first byte p50, gateway - direct', '< 1 ms', ttfb, `${signedMs(ttfb)} ms`, (v) => v < 1)
  const streamNginx = load('stream', referenceTargetName)
  const streamRelay = load('stream', nodeRelayTargetName)
  const cpuPerStream = quotient(streamGateway?.targetCpuUsPerRequest, streamNginx?.targetCpuUsPerRequest)
  const relayPerStream = quotient(streamRelay?.targetCpuUsPerRequest, streamNginx?.targetCpuUsPerRequest)
  add(
    'CPU per stream, gateway/nginx',
    '<= 3x',
    cpuPerStream,
    `${ratio(cpuPerStream)} (${perStream(streamGateway)} vs ${perStream(streamNginx)})`,
    (v) => v <= 3,
    relayPerStream === null ? '' : `node-relay floor: ${ratio(relayPerStream)} (${perStream(streamRelay)})`,
  )

  const chunks = measurements.find((m): m is ChunkTimingMeasurement => m.kind === 'chunk-timing' && m.target === gatewayTargetName)
  if (chunks === undefined) add('chunks forwarded as they arrive (gateway)', 'no batched read', null, '', () => false)
  else {
    const r = chunks.result
    const gapOk = r.gap.p50Ms !== null && Math.abs(r.gap.p50Ms - chunks.chunkGapMs) <= chunks.chunkGapMs / 2
    checks.push({
      name: 'chunks forwarded as they arrive (gateway)',
      measured: `${r.batchedReads} of ${r.eventReads} reads batched, gap p50 ${r.gap.p50Ms?.toFixed(1) ?? '-'} ms`,
      target: `0 batched, gap ~${chunks.chunkGapMs} ms`,
      verdict: verdict(r.completeStreams === r.streams && r.batchedReads === 0 && gapOk),
      note: r.errors.length === 0 ? '' : r.errors.join('; '),
    })
  }

  const idle = measurements.find((m): m is IdleStreamsMeasurement => m.kind === 'idle-streams' && m.target === gatewayTargetName)
  const idleOf = (target: string): string =>
    measurements.find((m): m is IdleStreamsMeasurement => m.kind === 'idle-streams' && m.target === target)?.kbPerStream?.toFixed(1) ?? '-'
  add(
    'memory per idle open stream (gateway)',
    '< 40 KB',
    idle?.failed === 0 ? (idle.kbPerStream ?? null) : null,
    `${idle?.kbPerStream?.toFixed(1) ?? '-'} KB (nginx ${idleOf(referenceTargetName)} KB, node-relay ${idleOf(nodeRelayTargetName)} KB)`,
    (v) => v < 40,
    idle !== undefined && idle.failed > 0 ? `${idle.failed} streams failed to open` : '',
  )

  const soak = measurements.find((m): m is SoakMeasurement => m.kind === 'soak' && m.target === gatewayTargetName)
  if (soak === undefined)
    checks.push({
      name: 'no memory growth in a soak (gateway)',
      measured: 'not run',
      target: `< ${soakSlopeLimitKbPerMin / 1024} MB/min`,
      verdict: 'n/a',
      note: 'run with --soak 600',
    })
  else {
    const errors = soak.nonStream.errors + soak.streams.errors
    add(
      'no memory growth in a soak (gateway)',
      `< ${soakSlopeLimitKbPerMin / 1024} MB/min`,
      soak.slopeKbPerMin,
      `${((soak.slopeKbPerMin ?? 0) / 1024).toFixed(2)} MB/min over ${soak.durationS / 2} s`,
      (v) => v < soakSlopeLimitKbPerMin && errors === 0,
      `RSS ${((soak.startKb ?? 0) / 1024).toFixed(1)} -> ${((soak.endKb ?? 0) / 1024).toFixed(1)} MB, max ${((soak.maxKb ?? 0) / 1024).toFixed(1)}${errors > 0 ? `; ${errors} failed requests` : ''}${soak.durationS < 600 ? `; ${soak.durationS} s, shorter than the 600 s the issue asks for` : ''}`,
    )
  }

  const scaling = quotient(load('saturate', gatewayWorkersTargetName)?.result.requestsPerS, satGateway?.result.requestsPerS)
  add(
    'throughput grows with cores: --workers 2 / --workers 1',
    '> 1x',
    scaling,
    ratio(scaling),
    (v) => v > 1,
    'the two workers share core 0 with the mock and wrk',
  )
  return checks
}

function perStream(m: LoadMeasurement | undefined): string {
  return m?.targetCpuUsPerRequest === null || m?.targetCpuUsPerRequest === undefined
    ? '-'
    : `${(m.targetCpuUsPerRequest / 1000).toFixed(2)} ms`
}

export function formatChecks(checks: readonly TargetCheck[]): string {
  return textTable(
    ['target', 'measured', 'limit', 'verdict', 'note'],
    checks.map((c) => [c.name, c.measured, c.target, c.verdict, c.note]),
    5,
  )
}
