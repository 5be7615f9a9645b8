// Redis for tests: the machine's shared server (127.0.0.1:6379, each test under its own random prefix, removed
// afterwards), and throwaway redis-server processes on free ports that a test may stop and start again.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, type AddressInfo } from 'node:net'
import { createClient } from '@redis/client'

export const sharedRedisUrl = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0'

/** A client that does not retry: a probe or a clean-up, not a gateway. */
function oneShotClient(url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 2_000 } })
  client.on('error', () => undefined)
  return client
}

/** Why Redis at `url` does not answer PING, or undefined when it does. */
async function pingProblem(url: string): Promise<string | undefined> {
  const client = oneShotClient(url)
  try {
    await client.connect()
    await client.ping()
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    if (client.isOpen) client.destroy()
  }
}

/**
 * false when Redis answers; otherwise why the test skips. With REQUIRE_SERVICES=1 a Redis that does not answer throws
 * instead (the gateway's Redis clients would reconnect until the tests' deadlines rather than fail).
 */
export async function redisSkipReason(url = sharedRedisUrl): Promise<string | false> {
  const problem = await pingProblem(url)
  if (problem === undefined) return false
  if (process.env['REQUIRE_SERVICES'] === '1') throw new Error(`Redis at ${url} is unreachable (${problem}) and REQUIRE_SERVICES=1`)
  return `Redis at ${url} is unreachable (${problem}): skipped`
}

/** A prefix no other test uses. */
export function randomPrefix(): string {
  return `openai-api-route-test:${randomBytes(6).toString('hex')}:`
}

/** Deletes every key under `prefix`. */
export async function removePrefix(prefix: string, url = sharedRedisUrl): Promise<void> {
  const client = oneShotClient(url)
  await client.connect()
  try {
    const keys = await client.keys(`${prefix}*`)
    if (keys.length > 0) await client.del(keys)
  } finally {
    client.destroy()
  }
}

/** The hash field values under `key`. */
export async function readHash(key: string, url = sharedRedisUrl): Promise<Record<string, string>> {
  const client = oneShotClient(url)
  await client.connect()
  try {
    return await client.hGetAll(key)
  } finally {
    client.destroy()
  }
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export interface OwnRedis {
  readonly url: string
  /** Starts redis-server (again, empty) on the same port and resolves once it answers. */
  start(): Promise<void>
  /** Stops it and resolves once it has exited. */
  stop(): Promise<void>
}

/** A redis-server of this test's own, without persistence: stopping it loses everything, as a crash would. */
export function ownRedis(port: number): OwnRedis {
  let child: ChildProcess | undefined
  const url = `redis://127.0.0.1:${port}/0`
  return {
    url,
    async start() {
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
        {
          stdio: 'ignore',
        },
      )
      const until = Date.now() + 30_000
      for (let problem = await pingProblem(url); problem !== undefined; problem = await pingProblem(url)) {
        if (Date.now() > until) throw new Error(`redis-server on port ${port} does not answer: ${problem}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    async stop() {
      const running = child
      child = undefined
      if (running === undefined || running.exitCode !== null) return
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve())
        running.kill('SIGKILL')
      })
    },
  }
}
