// Replicate's prediction object (POST /v1/models/{owner}/{name}/predictions, GET urls.get), the parts this gateway reads.
import { isRecord, numberField, recordField, stringField } from '../json-fields.js'

export type PredictionStatus = 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted'

export interface Prediction {
  readonly id: string
  /** Unknown values are kept as sent: anything but starting/processing is treated as over. */
  readonly status: string
  /** Language models answer an array of text pieces. */
  readonly output: unknown
  readonly error: string | null
  readonly urls: { readonly get?: string; readonly cancel?: string; readonly stream?: string }
  readonly metrics: { readonly input_token_count?: number; readonly output_token_count?: number }
}

/** Undefined when `json` is not a prediction. */
export function predictionOf(json: unknown): Prediction | undefined {
  if (!isRecord(json)) return undefined
  const id = stringField(json, 'id')
  const status = stringField(json, 'status')
  if (id === undefined || status === undefined) return undefined
  const urls = recordField(json, 'urls') ?? {}
  const metrics = recordField(json, 'metrics') ?? {}
  const error = json['error']
  const inputTokens = numberField(metrics, 'input_token_count')
  const outputTokens = numberField(metrics, 'output_token_count')
  return {
    id,
    status,
    output: json['output'],
    error: error === null || error === undefined ? null : typeof error === 'string' ? error : JSON.stringify(error),
    urls: {
      ...(stringField(urls, 'get') === undefined ? {} : { get: stringField(urls, 'get') }),
      ...(stringField(urls, 'cancel') === undefined ? {} : { cancel: stringField(urls, 'cancel') }),
      ...(stringField(urls, 'stream') === undefined ? {} : { stream: stringField(urls, 'stream') }),
    },
    metrics: {
      ...(inputTokens === undefined ? {} : { input_token_count: inputTokens }),
      ...(outputTokens === undefined ? {} : { output_token_count: outputTokens }),
    },
  }
}

export function isRunning(status: string): boolean {
  return status === 'starting' || status === 'processing'
}
