// What a request to a named key with `tpm` or a budget reserves before it goes upstream: its prompt counted locally
// (texts on the token worker, token ids one each), plus the completion it allows (`max_completion_tokens`,
// `max_tokens`, `max_output_tokens`, else `limits.default_completion_tokens`, never more than the key's `tpm` or
// `budget_tokens` leave after the prompt) for each of its `n` choices. The reservation is replaced by the real
// usage when the response ends.
import type { KeyLimits } from '../config/gateway-config.js'
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
  /** The key's limits: a default completion is never reserved beyond what `tpm` or `budget_tokens` allow. */
  readonly limits?: KeyLimits
}

/**
 * The most a request reserves: far above any real request, and an integer Redis's counters take exactly (a Lua
 * number above 1e14 would be written with an exponent).
 */
export const maxReservedTokens = 1_000_000_000_000

const generationPaths = /^\/(chat\/completions|completions|responses|messages)(\?|$)/

export async function estimateReservation(input: EstimateInput): Promise<ReservationEstimate> {
  const { json, path, tokens } = input
  if (json === null) return { promptTokens: 0, completionTokens: 0 }
  const prompt = promptOf(json)
  let promptTokens = prompt.tokens
  if (prompt.texts.length > 0) {
    const counts = await tokens.count(prompt.texts)
    prompt.texts.forEach((text, i) => {
      promptTokens += counts[i] ?? roughCount(text)
    })
  }
  // Tool definitions and a system prompt outside the messages are part of the prompt too; counted roughly.
  for (const field of ['tools', 'functions', 'instructions', 'system']) {
    const value = json[field]
    if (value !== undefined) promptTokens += roughCount(typeof value === 'string' ? value : JSON.stringify(value))
  }
  promptTokens = Math.min(promptTokens, maxReservedTokens)
  if (!generationPaths.test(path)) return { promptTokens, completionTokens: 0 }
  const completionTokens = Math.min(completionAllowed(json, promptTokens, input), maxReservedTokens - promptTokens)
  return { promptTokens, completionTokens }
}

interface PromptParts {
  readonly texts: string[]
  /** Tokens known without counting: token ids, and the chat framing. */
  tokens: number
}

/** The prompt of a chat (`messages`), of the Responses API (`input` items), of completions and embeddings. */
function promptOf(json: Readonly<Record<string, unknown>>): PromptParts {
  if (Array.isArray(json['messages'])) {
    const chat = promptTexts(json)
    return { texts: chat.texts, tokens: chat.framing }
  }
  const parts: PromptParts = { texts: [], tokens: 0 }
  collect(json['input'] ?? json['prompt'], parts, 0)
  return parts
}

/** Fields that hold media or file bytes (base64, data URLs): not prompt text, and counted by no tokenizer as such. */
const mediaFields = new Set(['image_url', 'file_data', 'data', 'b64_json', 'input_audio', 'audio', 'image', 'source'])

/** Strings are texts to count; numbers in arrays are token ids, one token each; objects are walked but for media. */
function collect(value: unknown, parts: PromptParts, depth: number): void {
  if (typeof value === 'string') {
    parts.texts.push(value)
    return
  }
  if (depth > 32 || typeof value !== 'object' || value === null) return
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'number') parts.tokens++
      else collect(item, parts, depth + 1)
    }
    return
  }
  for (const [field, inner] of Object.entries(value as Record<string, unknown>)) {
    if (mediaFields.has(field) || field === 'type' || field === 'role' || field === 'id' || field === 'call_id' || field === 'status')
      continue
    collect(inner, parts, depth + 1)
  }
}

function completionAllowed(json: Readonly<Record<string, unknown>>, promptTokens: number, input: EstimateInput): number {
  const asked =
    positiveInteger(json['max_completion_tokens']) ?? positiveInteger(json['max_tokens']) ?? positiveInteger(json['max_output_tokens'])
  const choices = Math.min(positiveInteger(json['n']) ?? 1, 128)
  if (asked !== undefined) return Math.min(asked, maxReservedTokens) * choices
  // Without a bound of its own, a request reserves the default, but never more than the key could ever admit: a key
  // with `tpm: 1000` must not refuse every request that names no max_tokens.
  const room = Math.min(input.limits?.tpm ?? Infinity, input.limits?.budgetTokens ?? Infinity) - promptTokens
  return Math.max(0, Math.min(input.defaultCompletionTokens * choices, room))
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined
}

/**
 * The tokens a finished request is charged: its usage (reported, else estimated) when it has one; else its
 * reservation when it may have been billed (a success whose usage could not be read, or a client that left after
 * its request reached an upstream); nothing when no upstream took it.
 */
export function chargedTokens(status: number, usage: TokenUsage | undefined, reserved: number, reachedUpstream: boolean): number {
  if (usage !== undefined) return usage.totalTokens
  return mayHaveBeenBilled(status, reachedUpstream) ? reserved : 0
}

/** A success, or a client that went away (499) once an upstream had the request: the upstream may bill it. */
export function mayHaveBeenBilled(status: number, reachedUpstream: boolean): boolean {
  return (status >= 200 && status < 300) || (status === 499 && reachedUpstream)
}
