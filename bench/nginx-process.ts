// Starts nginx as the reference proxy in front of the mock (installing Debian's package if it is missing).
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ChildRegistry } from './child-registry.js'
import { freePort } from './free-port.js'
import type { RunningServer } from './mock-process.js'
import { nginxConfig } from './nginx-config.js'
import { pollUntilHealthy } from './poll-until-healthy.js'

export interface NginxProcessOptions {
  readonly children: ChildRegistry
  /** The nginx executable (see ensureCommand). */
  readonly nginx: string
  readonly upstreamOrigin: string
  readonly workDir: string
  /** `taskset -c 1`, or nothing. */
  readonly cpuPrefix: readonly string[]
}

export interface RunningNginx extends RunningServer {
  readonly child: ChildProcess
}

const healthyDeadlineMs = 10_000
const stderrKeepBytes = 4096

export async function startNginxProcess(options: NginxProcessOptions): Promise<RunningNginx> {
  const dir = join(options.workDir, 'nginx')
  mkdirSync(dir, { recursive: true })
  const port = await freePort()
  const configPath = join(dir, 'nginx.conf')
  writeFileSync(configPath, nginxConfig({ dir, listenPort: port, upstream: new URL(options.upstreamOrigin).host }))
  // -e: nginx opens its error log before reading the config; keep even that one in the temporary directory.
  const args = ['-p', dir, '-e', join(dir, 'error.log'), '-c', configPath]
  const [command, ...prefixArgs] = options.cpuPrefix
  const child = options.children.spawn(command ?? options.nginx, command === undefined ? args : [...prefixArgs, options.nginx, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let tail = ''
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    tail = (tail + text).slice(-stderrKeepBytes)
  })
  const origin = `http://127.0.0.1:${port}`
  try {
    await pollUntilHealthy({ url: `${origin}/nginx-health`, deadlineMs: healthyDeadlineMs, process: child })
  } catch (error) {
    throw new Error(`nginx did not start: ${(error as Error).message}\n--- nginx stderr ---\n${tail}`, { cause: error })
  }
  return { origin, pid: child.pid, child }
}
