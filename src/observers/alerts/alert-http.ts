// The one HTTP client of the alert sinks: its own small undici Agent with timeouts, so alert traffic never
// shares (or waits on) the upstream connection pools, and a slow chat service cannot hold a send forever.
import { Agent, errors, request } from 'undici'
import { AlertSendError } from './alert-send-error.js'

export interface AlertHttpRequest {
  readonly method: 'POST' | 'PUT'
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface AlertHttpResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: string
}

export type AlertHttpSend = (request: AlertHttpRequest) => Promise<AlertHttpResponse>

/** Bodies of chat-service answers are small; more than this is not read. */
const maxAnswerBytes = 64 * 1024

export class AlertHttp {
  readonly #agent: Agent

  constructor(timeoutMs: number) {
    this.#agent = new Agent({
      connections: 4,
      connectTimeout: timeoutMs,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      keepAliveTimeout: 30_000,
    })
  }

  readonly send: AlertHttpSend = async (req) => {
    try {
      const answer = await request(req.url, { method: req.method, headers: req.headers, body: req.body, dispatcher: this.#agent })
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of answer.body as AsyncIterable<Buffer>) {
        if (size < maxAnswerBytes) chunks.push(chunk)
        size += chunk.length
      }
      return { status: answer.statusCode, headers: answer.headers, body: Buffer.concat(chunks).toString('utf8') }
    } catch (error) {
      throw sendFailure(error)
    }
  }

  /** Aborts sends still on their way: called after the shutdown deadline for alerts has passed. */
  close(): Promise<void> {
    return this.#agent.destroy()
  }
}

function sendFailure(error: unknown): AlertSendError {
  if (
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    error instanceof errors.ConnectTimeoutError
  ) {
    return new AlertSendError('alert_timeout', 'no answer in time', { cause: error })
  }
  // Only the error code: some messages would repeat the URL, and a webhook URL is a credential.
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown'
  return new AlertSendError('alert_network', `request failed (${code})`, { cause: error })
}
