// Starts bench/mock-upstream.ts in its own process and waits for the port it reports.
import type { ChildProcess } from 'node:child_process'
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
export async function startMockProcess(
  children: ChildRegistry,
  defaults: MockStreamShape,
  cpuPrefix: readonly string[] = [],
): Promise<RunningServer> {
  const args = ['--chunks', String(defaults.chunks), '--chunk-gap-ms', String(defaults.chunkGapMs)]
  const { origin, pid } = await startForkedServer(
    children,
    new URL('./mock-upstream.js', import.meta.url),
    args,
    cpuPrefix,
    'mock upstream',
  )
  return { origin, pid }
}

/** Forks a compiled bench server module that listens on 127.0.0.1 and reports `{type: 'ready', port}` over IPC. */
export async function startForkedServer(
  children: ChildRegistry,
  module: URL,
  args: readonly string[],
  cpuPrefix: readonly string[],
  what: string,
): Promise<RunningServer & { readonly child: ChildProcess }> {
  const child = children.fork(module, args, cpuPrefix)
  const ready = await nextMessage(child, isMockReady, readyDeadlineMs, what)
  return { origin: `http://127.0.0.1:${ready.port}`, pid: child.pid, child }
}

function isMockReady(message: unknown): message is MockReady {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ready'
}
