// Maps Replicate answers to OpenAI's (pure): a succeeded prediction to a chat completion, a failed or canceled
// one and Replicate's HTTP errors to OpenAI error bodies with the status that decides failover.
import { isRecord, parseJson, stringField } from '../json-fields.js'
import { openAIErrorBody, openAIErrorType, usageOf, type ChatCompletion, type OpenAIErrorBody, type OpenAIUsage } from '../openai-chat.js'
import type { Prediction } from './replicate-prediction.js'

export interface TranslatedError {
  readonly status: number
  readonly body: OpenAIErrorBody
}

/** A language model's output: an array of text pieces (joined), else a string; anything else as JSON text. */
export function outputText(output: unknown): string {
  if (output === null || output === undefined) return ''
  if (typeof output === 'string') return output
  if (Array.isArray(output) && output.every((piece) => typeof piece === 'string')) return output.join('')
  return JSON.stringify(output)
}

/** Usage from `metrics`, when Replicate counted tokens (language models do). */
export function predictionUsage(prediction: Prediction): OpenAIUsage | undefined {
  const { input_token_count: input, output_token_count: output } = prediction.metrics
  if (input === undefined && output === undefined) return undefined
  return usageOf(input ?? 0, output ?? 0)
}

export function predictionToOpenAI(prediction: Prediction, model: string, created: number): ChatCompletion {
  const usage = predictionUsage(prediction)
  return {
    id: prediction.id,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: outputText(prediction.output), refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    ...(usage === undefined ? {} : { usage }),
  }
}

/**
 * A prediction that ended without succeeding. 502: the upstream failed to answer, so the attempt fails over,
 * and when it was the last one the client reads why.
 */
export function predictionFailure(status: string, error: string | null): TranslatedError {
  const code = status === 'canceled' ? 'prediction_canceled' : status === 'failed' ? 'prediction_failed' : `prediction_${status}`
  const message =
    error === null || error === ''
      ? `The prediction ended with status ${status}`
      : `The prediction ${status === 'failed' ? 'failed' : `ended with status ${status}`}: ${error}`
  return { status: 502, body: openAIErrorBody(message, 'server_error', code) }
}

/** Replicate's HTTP errors are problem details (`{"title","detail","status"}`); the status stays Replicate's. */
export function replicateErrorToOpenAI(status: number, bodyText: string): TranslatedError {
  const problem = parseJson(bodyText)
  const detail = isRecord(problem) ? (stringField(problem, 'detail') ?? stringField(problem, 'title')) : undefined
  const snippet = bodyText.trim().slice(0, 512)
  const message = detail ?? `Replicate answered ${status}${snippet === '' ? '' : `: ${snippet}`}`
  return { status, body: openAIErrorBody(message, openAIErrorType(status), null) }
}
