// One sink's queue: messages go out one at a time, in order, off the request path; a failed send is
// retried after a delay (longer if the service asks for it), then given up on and counted.
import type { Logger } from '../../log/logger.js'
import type { Clock, TimerHandle } from '../../time/clock.js'
import type { AlertCounters } from './alert-counters.js'
import { AlertSendError } from './alert-send-error.js'
import type { AlertMessage, AlertSink } from './alert-sink.js'

export interface AlertOutboxOptions {
  readonly sink: AlertSink
  readonly clock: Clock
  readonly counters: AlertCounters
  readonly logger: Logger
  /** Waits before each retry; its length is the number of retries. */
  readonly retryDelaysMs: readonly number[]
  /** Messages waiting (besides the one being sent) at most; beyond it the oldest is given up on (counted as failed). */
  readonly maxQueued: number
}

/** A service asking for a longer wait than this is not waited for longer. */
const maxRetryAfterMs = 60_000

export class AlertOutbox {
  readonly #options: AlertOutboxOptions
  readonly #queue: AlertMessage[] = []
  #running = false
  #closed = false
  /** Set at shutdown: each message still gets its try, but a failed one is given up on rather than retried. */
  #lastTries = false
  #timer: { handle: TimerHandle; wake: () => void } | undefined
  readonly #idleWaiters: Array<() => void> = []

  constructor(options: AlertOutboxOptions) {
    this.#options = options
  }

  /** Never throws and never waits: the caller may be on a request's path. */
  enqueue(message: AlertMessage): void {
    if (this.#closed) {
      this.#giveUp(message, 'the gateway is shutting down')
      return
    }
    this.#queue.push(message)
    if (this.#queue.length > this.#options.maxQueued) this.#giveUp(this.#queue.shift() as AlertMessage, 'too many messages waiting')
    if (!this.#running) void this.#run()
  }

  /** Resolves when nothing waits or is being sent. */
  idle(): Promise<void> {
    if (!this.#running && this.#queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /**
   * The gateway is stopping: from now on a failed send is not retried (the waits, 1 s to 15 s, would hold the
   * exit), and a message waiting for its retry is tried now, once. Messages waiting in the queue still go out.
   */
  lastTries(): void {
    this.#lastTries = true
    if (this.#timer !== undefined) {
      this.#options.clock.clearTimeout(this.#timer.handle)
      this.#timer.wake()
    }
  }

  /** Stops retrying: a message waiting for a retry is given up on now; one being sent may still finish. */
  close(): void {
    this.#closed = true
    if (this.#timer !== undefined) {
      this.#options.clock.clearTimeout(this.#timer.handle)
      this.#timer.wake()
    }
  }

  async #run(): Promise<void> {
    this.#running = true
    // The message being sent is off the queue, so the bound only ever drops messages still waiting.
    for (let message = this.#queue.shift(); message !== undefined; message = this.#queue.shift()) await this.#deliver(message)
    this.#running = false
    for (const resolve of this.#idleWaiters.splice(0)) resolve()
  }

  async #deliver(message: AlertMessage): Promise<void> {
    const { sink, retryDelaysMs } = this.#options
    for (let attempt = 0; ; attempt++) {
      let failure: AlertSendError
      try {
        await sink.send(message)
        this.#options.counters.sent(sink.kind)
        return
      } catch (error) {
        failure = error instanceof AlertSendError ? error : new AlertSendError('alert_network', 'send failed', { cause: error })
      }
      const delay = this.#lastTries ? undefined : retryDelaysMs[attempt]
      if (delay === undefined || this.#closed) {
        this.#giveUp(message, failure.message, failure.code, attempt + 1)
        return
      }
      this.#options.logger.debug('alert send failed; retrying', {
        sink: sink.label,
        code: failure.code,
        reason: failure.message,
        attempt: attempt + 1,
      })
      await this.#sleep(Math.max(delay, Math.min(failure.retryAfterMs ?? 0, maxRetryAfterMs)))
      if (this.#closed) {
        this.#giveUp(message, failure.message, failure.code, attempt + 1)
        return
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.#timer = undefined
        resolve()
      }
      const handle = this.#options.clock.setTimeout(wake, ms)
      handle.unref?.()
      this.#timer = { handle, wake }
    })
  }

  #giveUp(message: AlertMessage, reason: string, code?: string, attempts?: number): void {
    const { sink } = this.#options
    this.#options.counters.failed(sink.kind)
    this.#options.logger.warn('alert not delivered', { sink: sink.label, messageId: message.id, code, reason, attempts })
  }
}
