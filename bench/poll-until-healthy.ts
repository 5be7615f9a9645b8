// Waits for a server to answer 200 on a health URL, polling until a deadline; never a fixed sleep.
import type { ChildProcess } from 'node:child_process'
import { setTimeout as delay } from 'node:timers/promises'
import { request } from 'undici'
import { ChildExitedError, DeadlineError } from './child-registry.js'

export interface PollOptions {
  readonly url: string
  readonly deadlineMs: number
  /** Give up at once if this process exits (a bad config fails fast instead of waiting out the deadline). */
  readonly process?: ChildProcess
  readonly intervalMs?: number
}

export async function pollUntilHealthy(options: PollOptions): Promise<void> {
  const giveUpAt = Date.now() + options.deadlineMs
  let lastProblem = 'no answer yet'
  while (Date.now() < giveUpAt) {
    const child = options.process
    if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) {
      throw new ChildExitedError(`exited (code ${child.exitCode}, signal ${child.signalCode}) before ${options.url} answered`)
    }
    try {
      // reset: one connection per probe, so no keep-alive socket outlives the wait.
      const response = await request(options.url, { reset: true, headersTimeout: 1000, bodyTimeout: 1000 })
      await response.body.dump()
      if (response.statusCode === 200) return
      lastProblem = `status ${response.statusCode}`
    } catch (error) {
      lastProblem = (error as { code?: string }).code ?? String(error)
    }
    await delay(options.intervalMs ?? 50)
  }
  throw new DeadlineError(`${options.url} not healthy within ${options.deadlineMs} ms (last: ${lastProblem})`)
}
