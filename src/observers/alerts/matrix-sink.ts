// Matrix: an m.text message into a room through the client-server API, with an access token.
// https://spec.matrix.org/v1.10/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid
import type { AlertHttpSend } from './alert-http.js'
import { AlertSendError } from './alert-send-error.js'
import type { AlertMessage, AlertSink } from './alert-sink.js'

export interface MatrixSinkOptions {
  /** e.g. `https://matrix.example.org`. */
  readonly homeserver: string
  readonly accessToken: string
  /** e.g. `!abc:example.org`. */
  readonly roomId: string
  readonly label: string
  readonly http: AlertHttpSend
}

/** The transaction id makes a retried PUT idempotent: the homeserver keeps one event per id. */
export function matrixSendUrl(homeserver: string, roomId: string, txnId: string): string {
  return `${homeserver.replace(/\/+$/, '')}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`
}

export function checkMatrixAnswer(status: number, headers: Readonly<Record<string, string | string[] | undefined>>, body: string): void {
  if (status >= 200 && status < 300) return
  let errcode = ''
  let retryAfterMs: number | undefined
  try {
    const answer = JSON.parse(body) as { errcode?: unknown; retry_after_ms?: unknown }
    if (typeof answer.errcode === 'string') errcode = answer.errcode
    if (typeof answer.retry_after_ms === 'number') retryAfterMs = answer.retry_after_ms
  } catch {
    // Not Matrix's error JSON (a proxy's page, say): the status says enough.
  }
  const retryAfter = headers['retry-after']
  if (retryAfterMs === undefined && typeof retryAfter === 'string' && /^\d+$/.test(retryAfter)) retryAfterMs = Number(retryAfter) * 1000
  throw new AlertSendError(
    'alert_status',
    `HTTP ${status}${errcode === '' ? '' : ` ${errcode}`}`,
    retryAfterMs === undefined ? {} : { retryAfterMs },
  )
}

export function matrixSink(options: MatrixSinkOptions): AlertSink {
  return {
    kind: 'matrix',
    label: options.label,
    async send(message: AlertMessage): Promise<void> {
      const answer = await options.http({
        method: 'PUT',
        url: matrixSendUrl(options.homeserver, options.roomId, message.id),
        headers: { authorization: `Bearer ${options.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ msgtype: 'm.text', body: message.text }),
      })
      checkMatrixAnswer(answer.status, answer.headers, answer.body)
    },
  }
}

/**
 * The predecessor's `MATRIX_API`: a URL (typically a bridge or bot service) that took a POST of
 * `{"message":"m.text","body":"..."}`. Kept in that form so existing setups keep working.
 */
export function legacyMatrixSink(options: { readonly url: string; readonly label: string; readonly http: AlertHttpSend }): AlertSink {
  return {
    kind: 'matrix',
    label: options.label,
    async send(message: AlertMessage): Promise<void> {
      const answer = await options.http({
        method: 'POST',
        url: options.url,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'm.text', body: message.text }),
      })
      if (answer.status < 200 || answer.status >= 300) throw new AlertSendError('alert_status', `HTTP ${answer.status}`)
    },
  }
}
