// Estimates token counts when an upstream reports none, with OpenAI's o200k_base encoding.
// Building the encoding's table and encoding long texts take real CPU, so both happen on a worker
// thread that starts the first time an estimate is needed: the event loop that relays streams never waits.
// The table holds ~260 MB while loaded, so a worker with nothing to count for a while is let go.
import { Worker } from 'node:worker_threads'
import { systemClock, type Clock, type TimerHandle } from '../time/clock.js'
import type { TokenCountReply, TokenCountRequest } from './token-count-worker.js'

export interface TokenEstimator {
  /** Token counts of each text, in order. */
  count(texts: readonly string[]): Promise<number[]>
  close(): Promise<void>
}

/** ChatML framing per message, as OpenAI's cookbook counts it. */
const tokensPerMessage = 3
const tokensPerReply = 3

/** Rough counts, used when the worker cannot run: about four characters per token. */
export function roughCount(text: string): number {
  return Math.ceil(text.length / 4)
}

/** A worker idle this long ends, freeing its table; the next estimate starts one again (~1 s of its own CPU). */
export const defaultEstimatorIdleMs = 60_000

export interface WorkerTokenEstimatorOptions {
  readonly idleMs?: number
  readonly clock?: Clock
}

export class WorkerTokenEstimator implements TokenEstimator {
  readonly #onError: (error: unknown) => void
  readonly #idleMs: number
  readonly #clock: Clock
  #worker: Worker | undefined
  #idleTimer: TimerHandle | undefined
  #failed = false
  #nextId = 1
  readonly #pending = new Map<number, (counts: number[]) => void>()
  /** Workers started so far. */
  #started = 0

  constructor(onError: (error: unknown) => void, options: WorkerTokenEstimatorOptions = {}) {
    this.#onError = onError
    this.#idleMs = options.idleMs ?? defaultEstimatorIdleMs
    this.#clock = options.clock ?? systemClock
  }

  /** Whether a worker (and its table) is loaded now, and how many have been started. */
  get workers(): { readonly loaded: boolean; readonly started: number } {
    return { loaded: this.#worker !== undefined, started: this.#started }
  }

  count(texts: readonly string[]): Promise<number[]> {
    const worker = this.#start()
    if (worker === undefined) return Promise.resolve(texts.map(roughCount))
    this.#cancelIdle()
    const id = this.#nextId++
    return new Promise((resolve) => {
      this.#pending.set(id, resolve)
      // While answers are awaited the worker keeps the process alive; idle, it does not.
      if (this.#pending.size === 1) worker.ref()
      worker.postMessage({ id, texts } satisfies TokenCountRequest)
    })
  }

  async close(): Promise<void> {
    this.#cancelIdle()
    const worker = this.#worker
    this.#worker = undefined
    if (worker !== undefined) await worker.terminate()
  }

  #cancelIdle(): void {
    if (this.#idleTimer !== undefined) this.#clock.clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
  }

  /** Nothing is being counted: end the worker if nothing arrives for a while. */
  #idle(worker: Worker): void {
    this.#cancelIdle()
    this.#idleTimer = this.#clock.setTimeout(() => {
      this.#idleTimer = undefined
      if (this.#worker !== worker || this.#pending.size > 0) return
      this.#worker = undefined
      void worker.terminate()
    }, this.#idleMs)
    this.#idleTimer.unref?.()
  }

  #start(): Worker | undefined {
    if (this.#failed) return undefined
    if (this.#worker !== undefined) return this.#worker
    const worker = new Worker(new URL('./token-count-worker.js', import.meta.url))
    this.#started++
    worker.unref()
    worker.on('message', (reply: TokenCountReply) => {
      const resolve = this.#pending.get(reply.id)
      this.#pending.delete(reply.id)
      if (this.#pending.size === 0) {
        worker.unref()
        this.#idle(worker)
      }
      resolve?.(reply.counts)
    })
    worker.on('error', (error) => {
      this.#failed = true
      this.#worker = undefined
      this.#onError(error)
      this.#settlePending()
    })
    this.#worker = worker
    return worker
  }

  /** After a worker failure, what was asked is answered roughly rather than never. */
  #settlePending(): void {
    for (const resolve of this.#pending.values()) resolve([])
    this.#pending.clear()
  }
}

/** The texts of a chat (or legacy completions) request body whose tokens make up its prompt. */
export function promptTexts(json: Readonly<Record<string, unknown>>): { texts: string[]; framing: number } {
  const messages = json['messages']
  if (Array.isArray(messages)) {
    const texts: string[] = []
    let framing = tokensPerReply
    for (const message of messages) {
      framing += tokensPerMessage
      if (typeof message !== 'object' || message === null) continue
      const m = message as { content?: unknown; name?: unknown; tool_calls?: unknown }
      texts.push(contentText(m.content))
      if (typeof m.name === 'string') {
        texts.push(m.name)
        framing += 1
      }
      if (m.tool_calls !== undefined) texts.push(JSON.stringify(m.tool_calls))
    }
    return { texts, framing }
  }
  const prompt = json['prompt'] ?? json['input']
  if (typeof prompt === 'string') return { texts: [prompt], framing: 0 }
  if (Array.isArray(prompt)) return { texts: prompt.map(contentText), framing: 0 }
  return { texts: [], framing: 0 }
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  let text = ''
  for (const part of content) {
    if (typeof part === 'string') text += part
    else if (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string')
      text += (part as { text: string }).text
  }
  return text
}
