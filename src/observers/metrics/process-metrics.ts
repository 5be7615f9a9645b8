// The Node process's own metrics under Prometheus' conventional names, read when scraped (event-loop delay
// and GC are sampled continuously by the runtime). Each is a fact about one process: `per_process` on merge.
import { readdirSync, readFileSync } from 'node:fs'
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import type { MetricRegistry } from './metric-registry.js'
import type { ValueSample } from './metrics-snapshot.js'

/** Timer resolution of the event-loop delay monitor; subtracted, so an idle loop reads about 0. */
const loopResolutionMs = 10
const gcKinds = new Map<number, string>([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
])

export interface ProcessMetrics {
  /** Stops the event-loop monitor and the GC observer. */
  stop(): void
}

export function registerProcessMetrics(registry: MetricRegistry): ProcessMetrics {
  const one = (value: number): readonly ValueSample[] => [{ labels: [], value }]
  const startTimeSeconds = Math.round((Date.now() - process.uptime() * 1000) / 10) / 100
  const gauge = (name: string, help: string, collect: () => readonly ValueSample[]): void =>
    registry.collected({ name, help, type: 'gauge', merge: 'per_process', collect })
  const counter = (name: string, help: string, collect: () => readonly ValueSample[]): void =>
    registry.collected({ name, help, type: 'counter', merge: 'per_process', collect })

  counter('process_cpu_user_seconds_total', 'User CPU time spent, in seconds.', () => one(process.cpuUsage().user / 1e6))
  counter('process_cpu_system_seconds_total', 'System CPU time spent, in seconds.', () => one(process.cpuUsage().system / 1e6))
  counter('process_cpu_seconds_total', 'User and system CPU time spent, in seconds.', () => {
    const usage = process.cpuUsage()
    return one((usage.user + usage.system) / 1e6)
  })
  gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds.', () => one(startTimeSeconds))
  gauge('process_resident_memory_bytes', 'Resident memory size, in bytes.', () => one(process.memoryUsage.rss()))
  if (process.platform === 'linux') {
    gauge('process_virtual_memory_bytes', 'Virtual memory size, in bytes.', () => statusKb('VmSize'))
    gauge('process_heap_bytes', 'Process heap (data segment) size, in bytes.', () => statusKb('VmData'))
    gauge('process_open_fds', 'Number of open file descriptors.', () => {
      try {
        // The directory listing itself holds one descriptor while it runs.
        return one(readdirSync('/proc/self/fd').length - 1)
      } catch {
        return []
      }
    })
    const maxFds = readMaxFds()
    if (maxFds !== undefined) gauge('process_max_fds', 'Maximum number of open file descriptors.', () => one(maxFds))
  }
  gauge('nodejs_heap_size_total_bytes', 'V8 heap size, in bytes.', () => one(process.memoryUsage().heapTotal))
  gauge('nodejs_heap_size_used_bytes', 'V8 heap used, in bytes.', () => one(process.memoryUsage().heapUsed))
  gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript objects, in bytes.', () =>
    one(process.memoryUsage().external),
  )
  registry.collected({
    name: 'nodejs_active_resources',
    help: 'Active libuv resources keeping the event loop alive, by type.',
    type: 'gauge',
    labelNames: ['type'],
    merge: 'per_process',
    collect: () => {
      const counts = new Map<string, number>()
      for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1)
      return [...counts].map(([type, value]) => ({ labels: [type], value }))
    },
  })
  registry.collected({
    name: 'nodejs_version_info',
    help: 'Node.js version.',
    type: 'gauge',
    labelNames: ['version', 'major', 'minor', 'patch'],
    merge: 'max',
    collect: () => [{ labels: [process.version, ...process.versions.node.split('.').slice(0, 3)], value: 1 }],
  })

  const loop = monitorEventLoopDelay({ resolution: loopResolutionMs })
  loop.enable()
  // Each read covers the time since the previous scrape, then starts a new window.
  let window = { mean: 0, p99: 0, max: 0 }
  const lagSeconds = (ns: number): number => Math.max(0, ns / 1e6 - loopResolutionMs) / 1000
  gauge('nodejs_eventloop_lag_seconds', 'Mean event-loop delay since the previous scrape, in seconds.', () => {
    window =
      loop.count === 0
        ? { mean: 0, p99: 0, max: 0 }
        : { mean: lagSeconds(loop.mean), p99: lagSeconds(loop.percentile(99)), max: lagSeconds(loop.max) }
    loop.reset()
    return one(window.mean)
  })
  gauge('nodejs_eventloop_lag_p99_seconds', '99th percentile of the event-loop delay since the previous scrape, in seconds.', () =>
    one(window.p99),
  )
  gauge('nodejs_eventloop_lag_max_seconds', 'Largest event-loop delay since the previous scrape, in seconds.', () => one(window.max))

  const gcBuckets = [0.001, 0.01, 0.1, 1, 2, 5]
  const gc = registry.histogram({
    name: 'nodejs_gc_duration_seconds',
    help: 'Garbage collection pauses, in seconds, by kind.',
    labelNames: ['kind'],
    merge: 'per_process',
    buckets: gcBuckets,
  })
  const gcSeries = new Map([...gcKinds].map(([kind, label]) => [kind, gc.labels(label)]))
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind
      if (kind !== undefined) gcSeries.get(kind)?.observe(entry.duration / 1000)
    }
  })
  observer.observe({ entryTypes: ['gc'] })

  return {
    stop() {
      loop.disable()
      observer.disconnect()
    },
  }
}

// The /proc reads below are best effort: a scrape must not fail because one optional fact could not be read,
// so a failed read leaves that metric without a sample for this scrape.
function statusKb(field: string): readonly ValueSample[] {
  try {
    const match = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))
    return match === null ? [] : [{ labels: [], value: Number(match[1]) * 1024 }]
  } catch {
    return []
  }
}

function readMaxFds(): number | undefined {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    return match === null ? undefined : Number(match[1])
  } catch {
    return undefined
  }
}
