// What the load is sent to: each target is a server in front of (or being) the mock upstream.
import type { ChildRegistry } from './child-registry.js'
import type { CpuPinning } from './cpu-pinning.js'
import { startGatewayProcess } from './gateway-process.js'
import { startForkedServer, type RunningServer } from './mock-process.js'
import { startNginxProcess } from './nginx-process.js'

export interface TargetContext {
  readonly children: ChildRegistry
  readonly mock: RunningServer
  readonly workDir: string
  readonly pinning: CpuPinning
  /** The nginx executable; undefined when it is missing and could not be installed. */
  readonly nginx: string | undefined
}

export interface RunningTarget extends RunningServer {
  /** Where it runs, for the report: `core 1`, `any core`. */
  readonly cpus: string
  stop(): Promise<void>
}

export interface Target {
  readonly name: string
  readonly description: string
  /** Only these scenarios run against it; undefined = all. */
  readonly scenarios?: readonly string[]
  /** Undefined when it cannot run here (nginx missing); the reason has been written to stderr then. */
  start(context: TargetContext): Promise<RunningTarget | undefined>
}

/** The mock itself: time to first byte through a proxy is compared with it. */
export const directTargetName = 'direct'
/** The reference proxy every gateway figure is a ratio of. */
export const referenceTargetName = 'nginx'
/** The gateway as the targets in the issue define it: one process on one core, records and metrics on. */
export const gatewayTargetName = 'gateway'
export const gatewayWorkersTargetName = 'gateway-2-workers'
/** A bare node:http + undici relay: what the stack alone costs here, the floor under the gateway's figures. */
export const nodeRelayTargetName = 'node-relay'

function pinnedTo(prefix: readonly string[]): string {
  return prefix.length === 0 ? 'any core' : `core ${prefix[prefix.length - 1]}`
}

export const targets: readonly Target[] = [
  {
    name: directTargetName,
    description: 'the load generator talks to the mock upstream itself',
    async start({ mock, pinning }) {
      return { ...mock, cpus: pinnedTo(pinning.load), stop: async () => undefined }
    },
  },
  {
    name: referenceTargetName,
    description: 'nginx proxy_pass to the mock, upstream keep-alive 64, proxy_buffering off, no access log, one process',
    async start({ children, mock, workDir, pinning, nginx }) {
      if (nginx === undefined) return undefined
      const running = await startNginxProcess({ children, nginx, upstreamOrigin: mock.origin, workDir, cpuPrefix: pinning.proxy })
      return { origin: running.origin, pid: running.pid, cpus: pinnedTo(pinning.proxy), stop: () => children.stop(running.child) }
    },
  },
  {
    name: nodeRelayTargetName,
    description: 'node:http + undici Pool.stream() pass-through and nothing else (bench/node-relay.ts), one process',
    scenarios: ['idle-streams', 'saturate', 'stream'],
    async start({ children, mock, pinning }) {
      const relay = await startForkedServer(
        children,
        new URL('./node-relay.js', import.meta.url),
        [mock.origin],
        pinning.proxy,
        'node relay',
      )
      return { origin: relay.origin, pid: relay.pid, cpus: pinnedTo(pinning.proxy), stop: () => children.stop(relay.child) }
    },
  },
  {
    name: gatewayTargetName,
    description: 'node dist/src/main.js --workers 1, dbtype sqlite (records on), metrics on, LOG_LEVEL=warn',
    async start({ children, mock, workDir, pinning }) {
      const gateway = await startGatewayProcess({
        children,
        upstreamOrigin: mock.origin,
        workDir,
        name: gatewayTargetName,
        workers: 1,
        cpuPrefix: pinning.proxy,
      })
      return { origin: gateway.origin, pid: gateway.pid, cpus: pinnedTo(pinning.proxy), stop: () => children.stop(gateway.child) }
    },
  },
  {
    name: gatewayWorkersTargetName,
    description: 'the same with --workers 2 (a primary and two workers sharing the port), not pinned',
    scenarios: ['saturate'],
    async start({ children, mock, workDir }) {
      const gateway = await startGatewayProcess({
        children,
        upstreamOrigin: mock.origin,
        workDir,
        name: gatewayWorkersTargetName,
        workers: 2,
        cpuPrefix: [],
      })
      return { origin: gateway.origin, pid: gateway.pid, cpus: 'any core', stop: () => children.stop(gateway.child) }
    },
  },
]
