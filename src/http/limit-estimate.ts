// What a request to a named key with `tpm` or a budget reserves before it goes upstream: its prompt counted locally
// (on the token worker), plus the completion it allows (`max_completion_tokens`, `max_tokens`, `max_output_tokens`,
// else `limits.default_completion_tokens`) for each of its `n` choices. The reservation is replaced by the real
// usage when the response ends.
import type { TokenUsage } from '../outcome/request-outcome.js'
import { promptTexts, roughCount, type TokenEstimator } from '../tokens/token-estimator.js'

export interface ReservationEstimate {
  readonly promptTokens: number
  readonly completionTokens: number
}

export interface EstimateInput {
  /** The parsed request body; null when it is not JSON (nothing to count, nothing generated). */
  readonly json: Readonly<Record<string, unknown>> | null
  /** The client path below `/v1`, e.g. `/chat/completions`: only generation paths reserve a completion. */
  readonly path: string
  readonly tokens: TokenEstimator
  readonly defaultCompletionTokens: number
}

const generationPaths = /^\/(chat\/completions|completions|responses|messages)(\?|$)/

export async function estimateReservation({ json, path, tokens, defaultCompletionTokens }: EstimateInput): Promise<ReservationEstimate> {
  if (json === null) return { promptTokens: 0, completionTokens: 0 }
  const prompt = promptTexts(json)
  let promptTokens = prompt.framing
  if (prompt.texts.length > 0) {
    const counts = await tokens.count(prompt.texts)
    prompt.texts.forEach((text, i) => {
      promptTokens += counts[i] ?? roughCount(text)
    })
  }
  // Tool definitions and a system prompt outside `messages` are part of the prompt too; counted roughly.
  for (const field of ['tools', 'functions', 'instructions', 'system']) {
    const value = json[field]
    if (value !== undefined) promptTokens += roughCount(typeof value === 'string' ? value : JSON.stringify(value))
  }
  if (!generationPaths.test(path)) return { promptTokens, completionTokens: 0 }
  return { promptTokens, completionTokens: completionAllowed(json, defaultCompletionTokens) }
}

function completionAllowed(json: Readonly<Record<string, unknown>>, defaultTokens: number): number {
  const asked =
    positiveInteger(json['max_completion_tokens']) ?? positiveInteger(json['max_tokens']) ?? positiveInteger(json['max_output_tokens'])
  const choices = positiveInteger(json['n']) ?? 1
  return (asked ?? defaultTokens) * Math.min(choices, 128)
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined
}

/**
 * The tokens a finished request is charged: its usage (reported, else estimated) when it has one; the reservation
 * for a success whose usage could not be read (it may have generated all it allowed); nothing for a failure.
 */
export function chargedTokens(status: number, usage: TokenUsage | undefined, reserved: number): number {
  if (usage !== undefined) return usage.totalTokens
  return status >= 200 && status < 300 ? reserved : 0
}
