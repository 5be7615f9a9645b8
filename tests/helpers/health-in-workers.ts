// Preloaded into a gateway of `--workers N` by a test (NODE_OPTIONS=--import=<this file>): each worker prints, on
// stdout, the upstream health snapshot it starts with and every change it hears; SIGUSR2 makes it publish one.
// It talks through a worker link of its own on the worker's IPC channel, as the gateway's health board would.
import cluster from 'node:cluster'
import { connectWorkerLink } from '../../src/cluster/worker-link.js'
import type { UpstreamHealthRecord } from '../../src/state/upstream-health-record.js'

export const healthLinePrefix = 'health-in-worker '

export type HealthLine =
  | { readonly pid: number; readonly event: 'snapshot'; readonly records: readonly UpstreamHealthRecord[] }
  | { readonly pid: number; readonly event: 'heard' | 'published'; readonly record: UpstreamHealthRecord }

/** The lines the workers printed, in order. */
export function healthLines(stdout: string): HealthLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(healthLinePrefix))
    .map((line) => JSON.parse(line.slice(healthLinePrefix.length)) as HealthLine)
}

if (cluster.isWorker) {
  const sync = connectWorkerLink().healthSync
  const say = (line: HealthLine): void => void process.stdout.write(`${healthLinePrefix}${JSON.stringify(line)}\n`)
  sync.onRemote((record) => say({ pid: process.pid, event: 'heard', record }))
  void sync.snapshot().then((records) => say({ pid: process.pid, event: 'snapshot', records }))
  let published = 0
  process.on('SIGUSR2', () => {
    const changedAt = Date.now()
    const record: UpstreamHealthRecord = {
      upstream: 'primary',
      state: 'open',
      openUntil: changedAt + 30_000,
      cooldownMs: 30_000,
      rateLimited: false,
      changedAt,
      origin: `${process.pid}:${++published}`,
    }
    sync.publish(record)
    say({ pid: process.pid, event: 'published', record })
  })
}
