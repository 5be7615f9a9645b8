// A 400 answer saying the prompt is longer than the model's context (`context_length_exceeded`, OpenAI's code): for a
// model with `model_fallbacks` it is not the client's answer yet, as a fallback model (a larger one) may serve it.
import { GatewayError } from '../errors/gateway-error.js'
import type { BodyFailure, UpstreamAnswer } from './body-sink.js'

/** A whole 400 body that says so becomes a failure that goes straight to the fallback models; any other is relayed. */
export function contextLengthFailure(upstreamName: string, answer: UpstreamAnswer): BodyFailure | undefined {
  if (answer.status !== 400 || errorCodeOf(answer.body) !== 'context_length_exceeded') return undefined
  const error = new GatewayError('upstream_context_length', `upstream ${upstreamName} answered 400 context_length_exceeded`, {
    status: 400,
  })
  return { error, answer }
}

export function isContextLengthExceeded(error: GatewayError): boolean {
  return error.code === 'upstream_context_length'
}

/** `{"error": {"code": "..."}}`, OpenAI's shape; Azure and compatible servers answer the same. */
function errorCodeOf(body: Buffer): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'))
    const error = typeof parsed === 'object' && parsed !== null ? (parsed as { error?: unknown }).error : undefined
    const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
    return typeof code === 'string' ? code : undefined
  } catch {
    return undefined
  }
}
