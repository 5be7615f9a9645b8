// What the alerting counts about itself (sent, failed, suppressed), implemented by the metrics.

export const sinkKinds = ['feishu', 'matrix'] as const
export type SinkKind = (typeof sinkKinds)[number]

/** `repeat`: a failure folded into an open incident's next message; `rate_limit`: a message held back by the rate. */
export const suppressReasons = ['repeat', 'rate_limit'] as const
export type SuppressReason = (typeof suppressReasons)[number]

export interface AlertCounters {
  sent(sink: SinkKind): void
  /** A message this sink never delivered, after its retries. */
  failed(sink: SinkKind): void
  suppressed(reason: SuppressReason, count: number): void
}
