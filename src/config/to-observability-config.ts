// Maps the YAML `metrics:` and `alerts:` sections into the settings the gateway runs on, plus the
// predecessor's FEISHU_WEBHOOK and MATRIX_API variables, each of which adds one sink.
import type { ConfigNote } from './config-note.js'
import type { AlertSinkConfig, AlertsConfig, MetricsConfig } from './observability-config.js'
import type { RawAlerts, RawMetrics } from './observability-schema.js'

export function toMetricsConfig(raw: RawMetrics): MetricsConfig {
  return { key: raw.key, models: raw.models, maxModels: raw.max_models }
}

/** `notes`: variables that are set but unusable (they are ignored, with a warning). */
export function toAlertsConfig(raw: RawAlerts, env: NodeJS.ProcessEnv): { alerts: AlertsConfig; notes: ConfigNote[] } {
  const notes: ConfigNote[] = []
  const sinks: AlertSinkConfig[] = [
    ...raw.feishu.map((sink): AlertSinkConfig => ({ kind: 'feishu', webhook: sink.webhook, secret: sink.secret })),
    ...raw.matrix.map((sink): AlertSinkConfig => ({
      kind: 'matrix',
      homeserver: sink.homeserver,
      accessToken: sink.access_token,
      roomId: sink.room_id,
    })),
  ]
  const feishu = env['FEISHU_WEBHOOK']
  if (feishu !== undefined && feishu !== '') {
    // The same webhook in the file and the variable would send every alert twice.
    if (!isHttpUrl(feishu)) notes.push({ path: [], message: 'FEISHU_WEBHOOK is not an http(s) URL: ignored' })
    else if (!sinks.some((sink) => sink.kind === 'feishu' && sink.webhook === feishu))
      sinks.push({ kind: 'feishu', webhook: feishu, secret: undefined })
  }
  const matrix = env['MATRIX_API']
  if (matrix !== undefined && matrix !== '') {
    if (!isHttpUrl(matrix)) notes.push({ path: [], message: 'MATRIX_API is not an http(s) URL: ignored' })
    else sinks.push({ kind: 'matrix_legacy', url: matrix })
  }
  return {
    alerts: {
      sinks,
      failuresToOpen: raw.failures_to_open,
      successesToRecover: raw.successes_to_recover,
      repeatIntervalMs: Math.round(raw.repeat_interval * 1000),
      maxPerHour: raw.max_per_hour,
      storeBacklog: raw.store_backlog,
      storeCheckIntervalMs: Math.round(raw.store_check_interval * 1000),
    },
    notes,
  }
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false
  const protocol = new URL(text).protocol
  return protocol === 'http:' || protocol === 'https:'
}
