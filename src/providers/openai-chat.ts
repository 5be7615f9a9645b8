// OpenAI chat completions wire shapes that translating adapters read (requests) and produce (answers, chunks, errors).

/** `usage` of a chat completion (and of the last chunk of a stream with `stream_options.include_usage`). */
export interface OpenAIUsage {
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly total_tokens: number
  readonly prompt_tokens_details?: { readonly cached_tokens: number }
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter'

export interface OpenAIToolCall {
  readonly id: string
  readonly type: 'function'
  readonly function: { readonly name: string; readonly arguments: string }
}

export interface ChatCompletion {
  readonly id: string
  readonly object: 'chat.completion'
  readonly created: number
  readonly model: string
  readonly choices: readonly [
    {
      readonly index: 0
      readonly message: {
        readonly role: 'assistant'
        readonly content: string | null
        readonly refusal: null
        /** Reasoning text, where the provider returns it (the field DeepSeek and others use). */
        readonly reasoning_content?: string
        readonly tool_calls?: readonly OpenAIToolCall[]
      }
      readonly logprobs: null
      readonly finish_reason: FinishReason
    },
  ]
  readonly usage?: OpenAIUsage
}

export interface ChunkToolCallDelta {
  readonly index: number
  readonly id?: string
  readonly type?: 'function'
  readonly function: { readonly name?: string; readonly arguments: string }
}

export interface ChunkDelta {
  readonly role?: 'assistant'
  readonly content?: string
  readonly reasoning_content?: string
  readonly tool_calls?: readonly ChunkToolCallDelta[]
}

export interface ChatCompletionChunk {
  readonly id: string
  readonly object: 'chat.completion.chunk'
  readonly created: number
  readonly model: string
  /** Empty in the usage-only chunk that ends a stream with `include_usage`. */
  readonly choices: readonly {
    readonly index: 0
    readonly delta: ChunkDelta
    readonly logprobs: null
    readonly finish_reason: FinishReason | null
  }[]
  readonly usage?: OpenAIUsage
}

/** What every chunk of one stream shares. */
export interface ChunkIdentity {
  readonly id: string
  readonly created: number
  readonly model: string
}

export function chunkOf(identity: ChunkIdentity, delta: ChunkDelta, finishReason: FinishReason | null = null): ChatCompletionChunk {
  return {
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  }
}

export function usageChunkOf(identity: ChunkIdentity, usage: OpenAIUsage): ChatCompletionChunk {
  return { id: identity.id, object: 'chat.completion.chunk', created: identity.created, model: identity.model, choices: [], usage }
}

export function usageOf(promptTokens: number, completionTokens: number, cachedTokens?: number): OpenAIUsage {
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens }
  return cachedTokens === undefined ? usage : { ...usage, prompt_tokens_details: { cached_tokens: cachedTokens } }
}

/** OpenAI's error body: `{"error":{"message","type","param","code"}}`. */
export interface OpenAIErrorBody {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: string | null }
}

export function openAIErrorBody(message: string, type: string, code: string | null, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } }
}

/** The OpenAI error `type` clients expect for an HTTP status. */
export function openAIErrorType(status: number): string {
  if (status === 401 || status === 403) return 'authentication_error'
  if (status === 429) return 'rate_limit_error'
  if (status >= 500) return 'server_error'
  return 'invalid_request_error'
}

/** What a provider stream mapper turns one upstream event into, in order. */
export type StreamOutput =
  /** `held`: carries nothing the client must see yet (a role-only start). */
  | { readonly kind: 'chunk'; readonly chunk: ChatCompletionChunk; readonly held: boolean }
  /** The upstream stream is complete: `[DONE]` may follow. */
  | { readonly kind: 'done' }
  /** The upstream reported an error; `errorType` is the provider's own name for it. */
  | { readonly kind: 'error'; readonly errorType: string; readonly message: string }
