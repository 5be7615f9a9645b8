// soak (--soak S): a steady mix of non-stream requests and streams against the gateway, its memory sampled
// every few seconds: does it grow?
import { openCpuWindow } from './cpu-window.js'
import { linearSlope } from './linear-slope.js'
import { chatPath, requestTimeoutMs } from './load-scenarios.js'
import type { RssSample, Scenario, SoakMeasurement } from './measurement.js'
import { processTree, treeRssKb } from './process-tree.js'
import { runLoadJob } from './run-load-job.js'
import { gatewayTargetName } from './targets.js'

const sampleEveryMs = 5_000
/** One stream per this many non-stream requests. */
const requestsPerStream = 20
/** Samples before this share of the soak are the warm-up (heap sizing, JIT): not the start figure. */
const warmupShare = 0.1

export const soak: Scenario = {
  name: 'soak',
  description: '--soak seconds of --soak-rate non-stream requests/s and a stream per 20 of them, gateway RSS every 5 s',
  enabled: (options) => options.soakS > 0,
  appliesTo: (target) => target === gatewayTargetName,
  async run(context, target, running): Promise<SoakMeasurement> {
    const { options } = context
    const durationMs = options.soakS * 1000
    const streamsPerS = options.soakRate / requestsPerStream
    const base = { type: 'job', origin: running.origin, path: chatPath, warmupMs: 0, durationMs, requestTimeoutMs } as const
    const samples: RssSample[] = []
    const started = Date.now()
    const take = (): void => {
      const kb = running.pid === undefined ? undefined : treeRssKb(processTree(running.pid))
      if (kb !== undefined) samples.push({ atS: (Date.now() - started) / 1000, rssKb: kb })
    }
    take()
    const sampler = setInterval(take, sampleEveryMs)
    const progress = setInterval(() => {
      const last = samples[samples.length - 1]
      context.log(
        `    soak ${Math.round((Date.now() - started) / 1000)} s of ${options.soakS}: RSS ${last === undefined ? '-' : (last.rssKb / 1024).toFixed(1)} MB`,
      )
    }, 60_000)
    const close = openCpuWindow(running.pid, context.mock.pid)
    try {
      const [nonStream, streams] = await Promise.all([
        runLoadJob(
          context.children,
          { ...base, stream: false, mode: { kind: 'open', ratePerS: options.soakRate }, connections: options.connections },
          context.pinning.load,
        ),
        runLoadJob(
          context.children,
          {
            ...base,
            stream: true,
            mockStream: { chunks: options.chunks, chunkGapMs: options.chunkGapMs },
            mode: { kind: 'open', ratePerS: streamsPerS },
            connections: 200,
          },
          context.pinning.load,
        ),
      ])
      take()
      const afterWarmup = samples.filter((s) => s.atS >= options.soakS * warmupShare)
      const secondHalf = samples.filter((s) => s.atS >= options.soakS / 2)
      const slopePerS = linearSlope(secondHalf.map((s) => ({ x: s.atS, y: s.rssKb })))
      return {
        kind: 'soak',
        scenario: 'soak',
        target,
        cpus: running.cpus,
        otherCpuCores: close().otherCores,
        durationS: options.soakS,
        ratePerS: options.soakRate,
        streamsPerS,
        nonStream,
        streams,
        samples,
        startKb: afterWarmup[0]?.rssKb ?? null,
        endKb: samples[samples.length - 1]?.rssKb ?? null,
        maxKb: samples.length === 0 ? null : Math.max(...samples.map((s) => s.rssKb)),
        slopeKbPerMin: slopePerS === null ? null : slopePerS * 60,
      }
    } finally {
      clearInterval(sampler)
      clearInterval(progress)
    }
  },
}
