// Builds the configured sinks. Their labels (`feishu[0]`, `matrix[1]`) name them in logs instead of their URLs.
import type { AlertSinkConfig } from '../../config/observability-config.js'
import type { AlertHttpSend } from './alert-http.js'
import type { AlertSink } from './alert-sink.js'
import { feishuSink } from './feishu-sink.js'
import { legacyMatrixSink, matrixSink } from './matrix-sink.js'

export function createAlertSinks(configs: readonly AlertSinkConfig[], http: AlertHttpSend, wallNow: () => number): AlertSink[] {
  let feishu = 0
  let matrix = 0
  return configs.map((config): AlertSink => {
    switch (config.kind) {
      case 'feishu':
        return feishuSink({ webhook: config.webhook, secret: config.secret, label: `feishu[${feishu++}]`, http, wallNow })
      case 'matrix':
        return matrixSink({
          homeserver: config.homeserver,
          accessToken: config.accessToken,
          roomId: config.roomId,
          label: `matrix[${matrix++}]`,
          http,
        })
      case 'matrix_legacy':
        return legacyMatrixSink({ url: config.url, label: 'matrix (MATRIX_API)', http })
    }
  })
}
