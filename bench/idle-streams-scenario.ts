// idle-streams: the target's memory per open stream that is waiting for its upstream (one chunk sent, then silence).
import { setTimeout as delay } from 'node:timers/promises'
import { nextMessage } from './child-registry.js'
import { isIdleClosed, isIdleOpened, type IdleOpen, type IdleOpened } from './idle-streams-client.js'
import { chatPath } from './load-scenarios.js'
import type { IdleStreamsMeasurement, Scenario, ScenarioContext } from './measurement.js'
import { processTree, treeRssKb } from './process-tree.js'

/** The mock's silence after the first chunk: far longer than the scenario, which closes the streams itself. */
const holdMs = 900_000
const openDeadlineMs = 30_000
/**
 * Memory is read when it has stopped moving (two reads this far apart within settleKb), or after settleMaxMs. The
 * tolerance is absolute: 1% of a ~300 MB process is 3 KB per stream of 1,000, as much as the differences measured.
 */
const settleStepMs = 500
const settleMaxMs = 10_000
const settleKb = 256

/** Streams opened and closed first, so that what a process allocates once (code, pools) is not counted per stream. */
const warmupStreams = 100

export const idleStreams: Scenario = {
  name: 'idle-streams',
  description: "--idle-streams open streams whose upstream sent one chunk and went silent: the target's memory per stream",
  enabled: () => true,
  appliesTo: () => true,
  async run(context, target, running): Promise<IdleStreamsMeasurement> {
    const count = context.options.idleStreams
    const rss = (): number | null => (running.pid === undefined ? null : (treeRssKb(processTree(running.pid)) ?? null))
    let rssBeforeKb: number | null = null
    let rssOpenKb: number | null = null
    await holdStreams(context, running.origin, Math.min(warmupStreams, count), async () => undefined)
    rssBeforeKb = await settledRss(rss)
    const open = await holdStreams(context, running.origin, count, async () => {
      rssOpenKb = await settledRss(rss)
    })
    context.log(`    ${open.opened} of ${count} streams open after ${(open.openMs / 1000).toFixed(1)} s`)
    const rssClosedKb = await settledRss(rss)
    return {
      kind: 'idle-streams',
      scenario: 'idle-streams',
      target,
      cpus: running.cpus,
      otherCpuCores: null,
      requested: count,
      opened: open.opened,
      failed: open.failed,
      errors: open.errors,
      openMs: open.openMs,
      rssBeforeKb,
      rssOpenKb,
      rssClosedKb,
      kbPerStream: rssBeforeKb === null || rssOpenKb === null || open.opened === 0 ? null : (rssOpenKb - rssBeforeKb) / open.opened,
    }
  },
}

/** Opens `count` streams in a fresh client process, runs `whileOpen`, closes them all. */
async function holdStreams(context: ScenarioContext, origin: string, count: number, whileOpen: () => Promise<void>): Promise<IdleOpened> {
  const child = context.children.fork(new URL('./idle-streams-client.js', import.meta.url), [], context.pinning.load)
  try {
    const opened = nextMessage(child, isIdleOpened, openDeadlineMs + 15_000, 'idle-streams client')
    child.send({ type: 'idle-open', origin, path: chatPath, count, holdMs, openDeadlineMs } satisfies IdleOpen)
    const open = await opened
    await whileOpen()
    const closed = nextMessage(child, isIdleClosed, 30_000, 'idle-streams client')
    child.send({ type: 'idle-close' })
    await closed
    return open
  } finally {
    await context.children.stop(child)
  }
}

async function settledRss(read: () => number | null): Promise<number | null> {
  let last = read()
  for (let waited = 0; waited < settleMaxMs; waited += settleStepMs) {
    await delay(settleStepMs)
    const now = read()
    if (now === null || last === null) return now
    if (Math.abs(now - last) <= settleKb) return now
    last = now
  }
  return last
}
