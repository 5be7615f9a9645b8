// chunk-timing: a few streams paced 10 ms apart by the mock; each chunk should reach the client in its own read.
import { isChunkProbeResult, type ChunkProbeJob } from './chunk-probe.js'
import { openCpuWindow } from './cpu-window.js'
import { chatPath, requestTimeoutMs } from './load-scenarios.js'
import type { Scenario } from './measurement.js'
import { runInChild } from './run-load-job.js'

export const probeStreams = 5
export const probeChunkGapMs = 10

export const chunkTiming: Scenario = {
  name: 'chunk-timing',
  description: `${probeStreams} streams of --chunks chunks ${probeChunkGapMs} ms apart: are chunks forwarded as they arrive, or batched?`,
  enabled: () => true,
  appliesTo: () => true,
  async run(context, target, running) {
    const job: ChunkProbeJob = {
      type: 'chunk-probe',
      origin: running.origin,
      path: chatPath,
      streams: probeStreams,
      chunks: context.options.chunks,
      chunkGapMs: probeChunkGapMs,
      requestTimeoutMs,
    }
    const close = openCpuWindow(running.pid, context.mock.pid)
    const result = await runInChild(context.children, {
      module: new URL('./chunk-probe.js', import.meta.url),
      message: job,
      isResult: isChunkProbeResult,
      deadlineMs: context.options.chunks * probeChunkGapMs + 2 * requestTimeoutMs + 15_000,
      what: 'chunk probe',
      cpuPrefix: context.pinning.load,
    })
    return {
      kind: 'chunk-timing',
      scenario: 'chunk-timing',
      target,
      cpus: running.cpus,
      otherCpuCores: close().otherCores,
      chunkGapMs: probeChunkGapMs,
      result,
    }
  },
}
