// The metrics and alert settings the gateway runs on (mapped from the YAML in to-observability-config.ts).

export type AlertSinkConfig =
  | { readonly kind: 'feishu'; readonly webhook: string; readonly secret: string | undefined }
  | { readonly kind: 'matrix'; readonly homeserver: string; readonly accessToken: string; readonly roomId: string }
  /** `MATRIX_API`: the predecessor's POST of `{"message":"m.text","body":...}` to a URL. */
  | { readonly kind: 'matrix_legacy'; readonly url: string }

export interface AlertsConfig {
  readonly sinks: readonly AlertSinkConfig[]
  /** Failed attempts in a row that open an upstream incident. */
  readonly failuresToOpen: number
  /** Successes in a row that close an incident. */
  readonly successesToRecover: number
  /** At most one reminder per open incident per interval. */
  readonly repeatIntervalMs: number
  /** Messages per hour at most, across every incident. */
  readonly maxPerHour: number
  /** Records waiting above which the store counts as falling behind. */
  readonly storeBacklog: number
  readonly storeCheckIntervalMs: number
}

export interface MetricsConfig {
  /** Scrapes must send `Authorization: Bearer <key>` when set. */
  readonly key: string | undefined
  readonly models: readonly string[]
  /** How many models seen in requests get their own label, per process, besides the configured ones. */
  readonly maxModels: number
}
