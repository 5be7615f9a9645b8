// Anthropic Messages API wire shapes (POST /v1/messages, anthropic-version 2023-06-01), the parts this gateway uses.

export const anthropicVersion = '2023-06-01'

export type AnthropicImageSource =
  { readonly type: 'base64'; readonly media_type: string; readonly data: string } | { readonly type: 'url'; readonly url: string }

export interface AnthropicTextBlock {
  readonly type: 'text'
  readonly text: string
}

export interface AnthropicImageBlock {
  readonly type: 'image'
  readonly source: AnthropicImageSource
}

export interface AnthropicToolUseBlock {
  readonly type: 'tool_use'
  readonly id: string
  readonly name: string
  readonly input: Readonly<Record<string, unknown>>
}

export interface AnthropicToolResultBlock {
  readonly type: 'tool_result'
  readonly tool_use_id: string
  readonly content: string | readonly (AnthropicTextBlock | AnthropicImageBlock)[]
  readonly is_error?: boolean
}

export type AnthropicRequestBlock = AnthropicTextBlock | AnthropicImageBlock | AnthropicToolUseBlock | AnthropicToolResultBlock

export interface AnthropicMessage {
  readonly role: 'user' | 'assistant'
  readonly content: readonly AnthropicRequestBlock[]
}

export interface AnthropicTool {
  readonly name: string
  readonly description?: string
  readonly input_schema: Readonly<Record<string, unknown>>
}

export type AnthropicToolChoice =
  | { readonly type: 'auto' | 'any'; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'tool'; readonly name: string; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'none' }

export interface AnthropicRequest {
  readonly model: string
  readonly max_tokens: number
  readonly messages: readonly AnthropicMessage[]
  readonly system?: readonly AnthropicTextBlock[]
  readonly stop_sequences?: readonly string[]
  readonly temperature?: number
  readonly top_p?: number
  readonly tools?: readonly AnthropicTool[]
  readonly tool_choice?: AnthropicToolChoice
  readonly metadata?: { readonly user_id: string }
  readonly stream?: boolean
}

export type AnthropicStopReason =
  'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded'

export interface AnthropicUsage {
  readonly input_tokens?: number
  readonly output_tokens?: number
  readonly cache_creation_input_tokens?: number | null
  readonly cache_read_input_tokens?: number | null
}

/** Response content blocks; `thinking` and `redacted_thinking` appear with extended thinking. */
export type AnthropicResponseBlock =
  | AnthropicTextBlock
  | AnthropicToolUseBlock
  | { readonly type: 'thinking'; readonly thinking: string; readonly signature?: string }
  | { readonly type: 'redacted_thinking'; readonly data: string }

export interface AnthropicResponse {
  readonly id: string
  readonly type: 'message'
  readonly role: 'assistant'
  readonly model: string
  readonly content: readonly AnthropicResponseBlock[]
  readonly stop_reason: AnthropicStopReason | null
  readonly stop_sequence: string | null
  readonly usage: AnthropicUsage
}

/** Error types of `{"type":"error","error":{"type","message"}}`, with the HTTP status each comes with. */
export const anthropicErrorStatus = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
} as const satisfies Record<string, number>

export type AnthropicErrorType = keyof typeof anthropicErrorStatus
