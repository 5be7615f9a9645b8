// Maps Anthropic errors (`{"type":"error","error":{"type","message"}}`, as an HTTP answer or a stream event)
// to OpenAI's error body with the status that gives it the right failover class (pure).
import { isRecord, parseJson, stringField } from '../json-fields.js'
import { openAIErrorBody, openAIErrorType, type OpenAIErrorBody } from '../openai-chat.js'
import { anthropicErrorStatus, type AnthropicErrorType } from './anthropic-messages.js'

export interface TranslatedError {
  readonly status: number
  readonly body: OpenAIErrorBody
}

/** An HTTP error answer: the status stays Anthropic's (529 overloaded included: any 5xx fails over). */
export function anthropicErrorToOpenAI(status: number, bodyText: string): TranslatedError {
  const error = errorObjectOf(parseJson(bodyText))
  if (error === undefined) {
    const snippet = bodyText.trim().slice(0, 512)
    return {
      status,
      body: openAIErrorBody(`Anthropic answered ${status}${snippet === '' ? '' : `: ${snippet}`}`, openAIErrorType(status), null),
    }
  }
  return { status, body: openAIErrorBody(error.message, openAIErrorType(status), error.type) }
}

/** An `error` event inside a stream: the status is the one Anthropic gives that error type over HTTP. */
export function anthropicStreamErrorToOpenAI(errorType: string, message: string): TranslatedError {
  const status = errorType in anthropicErrorStatus ? anthropicErrorStatus[errorType as AnthropicErrorType] : 500
  return { status, body: openAIErrorBody(message, openAIErrorType(status), errorType) }
}

/** The `error` member of an Anthropic error body or event. */
export function errorObjectOf(payload: unknown): { type: string; message: string } | undefined {
  if (!isRecord(payload) || !isRecord(payload['error'])) return undefined
  const type = stringField(payload['error'], 'type')
  const message = stringField(payload['error'], 'message')
  if (type === undefined) return undefined
  return { type, message: message ?? type }
}
