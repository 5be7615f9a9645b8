// The contract every alert destination fulfils: send one message or throw an AlertSendError.
import type { SinkKind } from './alert-counters.js'

export interface AlertMessage {
  /** Unique per message and the same on every retry of it (Matrix uses it as the transaction id). */
  readonly id: string
  readonly text: string
}

export interface AlertSink {
  readonly kind: SinkKind
  /** For logs: kind and position (`feishu[0]`), never the URL, which is itself a credential for a webhook. */
  readonly label: string
  send(message: AlertMessage): Promise<void>
}
