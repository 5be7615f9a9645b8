// Maps a whole Anthropic Messages response to an OpenAI chat completion (pure), usage included.
import { isRecord, type JsonRecord } from '../json-fields.js'
import { usageOf, type ChatCompletion, type FinishReason, type OpenAIToolCall, type OpenAIUsage } from '../openai-chat.js'
import type { AnthropicStopReason, AnthropicUsage } from './anthropic-messages.js'

/** Undefined when `response` is not a Messages API `message` object. */
export function anthropicToOpenAI(response: unknown, created: number): ChatCompletion | undefined {
  if (!isRecord(response) || response['type'] !== 'message' || !Array.isArray(response['content'])) return undefined
  let text = ''
  let reasoning = ''
  const toolCalls: OpenAIToolCall[] = []
  for (const block of response['content'] as unknown[]) {
    if (!isRecord(block)) continue
    switch (block['type']) {
      case 'text':
        if (typeof block['text'] === 'string') text += block['text']
        break
      case 'thinking':
        if (typeof block['thinking'] === 'string') reasoning += block['thinking']
        break
      case 'tool_use':
        toolCalls.push({
          id: String(block['id']),
          type: 'function',
          function: { name: String(block['name']), arguments: JSON.stringify(block['input'] ?? {}) },
        })
        break
      default:
        // redacted_thinking, server tool blocks: nothing an OpenAI client can read.
        break
    }
  }
  const message = {
    role: 'assistant' as const,
    // OpenAI answers null content when the model only called tools.
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
    ...(reasoning === '' ? {} : { reasoning_content: reasoning }),
    ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }),
  }
  return {
    id: String(response['id']),
    object: 'chat.completion',
    created,
    model: String(response['model']),
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(response['stop_reason']) }],
    usage: usageFromAnthropic(isRecord(response['usage']) ? response['usage'] : {}),
  }
}

const finishReasons: Readonly<Record<AnthropicStopReason, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // The turn paused for a server tool; to an OpenAI client the answer so far is complete.
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
}

export function finishReasonOf(stopReason: unknown): FinishReason {
  return typeof stopReason === 'string' && stopReason in finishReasons ? finishReasons[stopReason as AnthropicStopReason] : 'stop'
}

/** Anthropic counts cached prompt tokens apart from `input_tokens`; OpenAI's prompt_tokens include them. */
export function usageFromAnthropic(usage: JsonRecord | AnthropicUsage): OpenAIUsage {
  const count = (name: keyof AnthropicUsage): number => {
    const value = (usage as Record<string, unknown>)[name]
    return typeof value === 'number' && Number.isFinite(value) ? value : 0
  }
  const cacheRead = count('cache_read_input_tokens')
  const prompt = count('input_tokens') + count('cache_creation_input_tokens') + cacheRead
  return usageOf(prompt, count('output_tokens'), cacheRead)
}
