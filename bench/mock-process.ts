// Starts bench/mock-upstream.ts in its own process and waits for the port it reports.
import type { ChildRegistry } from './child-registry.js'
import { nextMessage } from './child-registry.js'
import type { MockStreamShape } from './chat-request.js'
import type { MockReady } from './mock-upstream.js'

export interface RunningServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  readonly pid: number | undefined
}

const readyDeadlineMs = 10_000

/** `defaults` shape the streams whose request does not say how (the scenarios' requests always do). */
/** `cpuPrefix` pins it (`taskset -c 0`). */
export async function startMockProcess(children: ChildRegistry, defaults: MockStreamShape, cpuPrefix: readonly string[] = []): Promise<RunningServer> {
  const child = children.fork(
    new URL('./mock-upstream.js', import.meta.url),
    ['--chunks', String(defaults.chunks), '--chunk-gap-ms', String(defaults.chunkGapMs)],
    cpuPrefix,
  )
  const ready = await nextMessage(child, isMockReady, readyDeadlineMs, 'mock upstream')
  return { origin: `http://127.0.0.1:${ready.port}`, pid: child.pid }
}

function isMockReady(message: unknown): message is MockReady {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ready'
}
