// Starts the built gateway (dist/src/main.js) as a child process against the mock, and waits for /healthz.
import type { ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildRegistry } from './child-registry.js'
import { freePort } from './free-port.js'
import type { RunningServer } from './mock-process.js'
import { pollUntilHealthy } from './poll-until-healthy.js'

export interface GatewayProcessOptions {
  readonly children: ChildRegistry
  readonly upstreamOrigin: string
  /** A private temporary directory for the config file and the records database. */
  readonly workDir: string
  /** Names the config and database files, so that several gateways can run side by side. */
  readonly name: string
  /** `--workers N`: 1 is a single process. */
  readonly workers: number
  /** `taskset -c 1`, or nothing. */
  readonly cpuPrefix: readonly string[]
}

export interface RunningGatewayProcess extends RunningServer {
  readonly child: ChildProcess
  /** The last few KB the gateway wrote to stderr, for error messages. */
  stderrTail(): string
}

const healthyDeadlineMs = 15_000
const stderrKeepBytes = 4096

/**
 * Records on (SQLite, every `records:` key at its default: bodies, answers and headers stored) and metrics on
 * (always). LOG_LEVEL=warn: at info the request log writes one line per request to stderr, and nginx runs
 * without an access log. `idle_timeout: 900` lets the idle-streams scenario hold its streams past the default 120 s.
 */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<RunningGatewayProcess> {
  const port = await freePort()
  const configPath = join(options.workDir, `${options.name}.yaml`)
  writeFileSync(
    configPath,
    [
      `address: "127.0.0.1:${port}"`,
      'dbtype: sqlite',
      `dbaddr: ${JSON.stringify(join(options.workDir, `${options.name}-records.sqlite`))}`,
      'idle_timeout: 900',
      'upstreams:',
      '  - sk: x',
      `    endpoint: "${options.upstreamOrigin}/v1"`,
      '    noauth: true',
      '',
    ].join('\n'),
  )
  const main = fileURLToPath(new URL('../src/main.js', import.meta.url))
  const args = [main, '-config', configPath, '--workers', String(options.workers)]
  const [command, ...prefixArgs] = options.cpuPrefix
  const child = options.children.spawn(
    command ?? process.execPath,
    command === undefined ? args : [...prefixArgs, process.execPath, ...args],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    },
  )
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
