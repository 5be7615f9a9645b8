// Feishu (Lark) custom bot: POST a text message to the webhook, signed when the bot has a signing secret.
// https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
import { createHmac } from 'node:crypto'
import type { AlertHttpSend } from './alert-http.js'
import { AlertSendError } from './alert-send-error.js'
import type { AlertMessage, AlertSink } from './alert-sink.js'

export interface FeishuSinkOptions {
  readonly webhook: string
  readonly secret: string | undefined
  readonly label: string
  readonly http: AlertHttpSend
  /** Wall-clock ms, for the signature's timestamp. */
  readonly wallNow: () => number
}

/**
 * Feishu's custom-bot signature: base64(HMAC-SHA256) with `${timestamp}\n${secret}` as the key over an
 * empty message. The timestamp is in seconds, and Feishu refuses one more than an hour away from its clock.
 */
export function feishuSignature(secret: string, timestampSeconds: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64')
}

export function feishuBody(text: string, secret: string | undefined, wallMs: number): string {
  const content = { msg_type: 'text', content: { text } }
  if (secret === undefined) return JSON.stringify(content)
  const timestamp = String(Math.floor(wallMs / 1000))
  return JSON.stringify({ timestamp, sign: feishuSignature(secret, timestamp), ...content })
}

/** Feishu answers HTTP 200 even when it refuses a message; `code` (older bots: `StatusCode`) is 0 only on success. */
export function checkFeishuAnswer(status: number, body: string): void {
  if (status < 200 || status >= 300) throw new AlertSendError('alert_status', `HTTP ${status}`)
  let answer: unknown
  try {
    answer = JSON.parse(body)
  } catch (error) {
    throw new AlertSendError('alert_rejected', 'the answer is not JSON', { cause: error })
  }
  const fields = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : {}
  const code = fields['code'] ?? fields['StatusCode']
  if (code !== 0) {
    const message =
      typeof fields['msg'] === 'string' ? fields['msg'] : typeof fields['StatusMessage'] === 'string' ? fields['StatusMessage'] : ''
    throw new AlertSendError('alert_rejected', `Feishu code ${String(code)}${message === '' ? '' : `: ${message.slice(0, 200)}`}`)
  }
}

export function feishuSink(options: FeishuSinkOptions): AlertSink {
  return {
    kind: 'feishu',
    label: options.label,
    async send(message: AlertMessage): Promise<void> {
      // Signed afresh on every try, so a retry never carries a stale timestamp.
      const body = feishuBody(message.text, options.secret, options.wallNow())
      const answer = await options.http({
        method: 'POST',
        url: options.webhook,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
      })
      checkFeishuAnswer(answer.status, answer.body)
    },
  }
}
