// Starts the built gateway (dist/src/main.js) as a child process against the mock, and waits for /healthz.
import type { ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildRegistry } from './child-registry.js'
import type { RunningServer } from './mock-process.js'
import { pollUntilHealthy } from './poll-until-healthy.js'

export interface GatewayProcessOptions {
  readonly children: ChildRegistry
  readonly upstreamOrigin: string
  /** A private temporary directory for the config file. */
  readonly workDir: string
}

export interface RunningGatewayProcess extends RunningServer {
  readonly child: ChildProcess
  /** The last few KB the gateway wrote to stderr, for error messages. */
  stderrTail(): string
}

const healthyDeadlineMs = 15_000
const stderrKeepBytes = 4096

export async function startGatewayProcess(options: GatewayProcessOptions): Promise<RunningGatewayProcess> {
  const port = await freePort()
  const configPath = join(options.workDir, 'gateway.yaml')
  writeFileSync(
    configPath,
    [
      `address: "127.0.0.1:${port}"`,
      'dbtype: none',
      'upstreams:',
      '  - sk: x',
      `    endpoint: "${options.upstreamOrigin}/v1"`,
      '    noauth: true',
      '',
    ].join('\n'),
  )
  const main = fileURLToPath(new URL('../src/main.js', import.meta.url))
  const child = options.children.spawn(process.execPath, [main, '-config', configPath], { stdio: ['ignore', 'ignore', 'pipe'] })
  let tail = ''
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    tail = (tail + text).slice(-stderrKeepBytes)
  })
  const origin = `http://127.0.0.1:${port}`
  try {
    await pollUntilHealthy({ url: `${origin}/healthz`, deadlineMs: healthyDeadlineMs, process: child })
  } catch (error) {
    throw new Error(`gateway did not start: ${(error as Error).message}\n--- gateway stderr ---\n${tail}`, { cause: error })
  }
  return { origin, pid: child.pid, child, stderrTail: () => tail }
}

/** A port that was free a moment ago; the gateway takes the address from its config, so it cannot report one. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
