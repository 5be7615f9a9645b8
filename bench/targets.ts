// What the load is sent to: each target is a server in front of (or being) the mock upstream.
import type { ChildRegistry } from './child-registry.js'
import { startGatewayProcess } from './gateway-process.js'
import type { RunningServer } from './mock-process.js'

export interface TargetContext {
  readonly children: ChildRegistry
  readonly mock: RunningServer
  readonly workDir: string
}

export interface RunningTarget extends RunningServer {
  stop(): Promise<void>
}

export interface Target {
  readonly name: string
  readonly description: string
  start(context: TargetContext): Promise<RunningTarget>
}

/** The baseline the other targets are compared with. */
export const baselineTargetName = 'direct'

/** A new target (nginx, `serve --workers N`, records on) is one more entry here. */
export const targets: readonly Target[] = [
  {
    name: baselineTargetName,
    description: 'the load generator talks to the mock upstream itself',
    async start({ mock }) {
      return { ...mock, stop: async () => undefined }
    },
  },
  {
    name: 'gateway',
    description: 'node dist/src/main.js, one process, dbtype none, one upstream: the mock',
    async start({ children, mock, workDir }) {
      const gateway = await startGatewayProcess({ children, upstreamOrigin: mock.origin, workDir })
      return { origin: gateway.origin, pid: gateway.pid, stop: () => children.stop(gateway.child) }
    },
  },
]
