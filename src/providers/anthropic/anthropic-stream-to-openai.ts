// Maps Anthropic Messages stream events to OpenAI chat.completion.chunk objects: stateful but pure (events in,
// outputs out, no I/O), so whole recorded streams can be replayed in tests.
import type { SseEvent } from '../../streaming/sse-parser.js'
import { isRecord, parseJson, recordField, stringField, type JsonRecord } from '../json-fields.js'
import { chunkOf, usageChunkOf, type ChunkDelta, type ChunkIdentity, type FinishReason, type StreamOutput } from '../openai-chat.js'
import { finishReasonOf, usageFromAnthropic } from './anthropic-to-openai.js'

export interface AnthropicStreamOptions {
  /** Unix seconds, for every chunk's `created`. */
  readonly created: number
  /** Until message_start names the model that answers. */
  readonly model: string
  readonly includeUsage: boolean
}

export class AnthropicStreamMapper {
  readonly #includeUsage: boolean
  #identity: ChunkIdentity
  /** Content block index → OpenAI tool_calls index, for tool_use blocks. */
  readonly #toolIndexByBlock = new Map<number, number>()
  #usage: Record<string, unknown> = {}
  #finished = false

  constructor(options: AnthropicStreamOptions) {
    this.#includeUsage = options.includeUsage
    this.#identity = { id: '', created: options.created, model: options.model }
  }

  map(event: SseEvent): StreamOutput[] {
    const payload = parseJson(event.data)
    if (!isRecord(payload))
      return [{ kind: 'error', errorType: 'api_error', message: `unreadable ${event.event || 'message'} event from Anthropic` }]
    const type = stringField(payload, 'type') ?? event.event
    switch (type) {
      case 'message_start':
        return this.#messageStart(recordField(payload, 'message') ?? {})
      case 'content_block_start':
        return this.#blockStart(Number(payload['index']), recordField(payload, 'content_block') ?? {})
      case 'content_block_delta':
        return this.#blockDelta(Number(payload['index']), recordField(payload, 'delta') ?? {})
      case 'message_delta':
        return this.#messageDelta(recordField(payload, 'delta') ?? {}, recordField(payload, 'usage'))
      case 'message_stop':
        return this.#messageStop()
      case 'error': {
        const error = recordField(payload, 'error') ?? {}
        const errorType = stringField(error, 'type') ?? 'api_error'
        return [{ kind: 'error', errorType, message: stringField(error, 'message') ?? errorType }]
      }
      default:
        // ping, content_block_stop, and event types added later: nothing for the client.
        return []
    }
  }

  #messageStart(message: JsonRecord): StreamOutput[] {
    this.#identity = {
      id: stringField(message, 'id') ?? this.#identity.id,
      created: this.#identity.created,
      model: stringField(message, 'model') ?? this.#identity.model,
    }
    this.#usage = { ...(recordField(message, 'usage') ?? {}) }
    return [{ kind: 'chunk', chunk: chunkOf(this.#identity, { role: 'assistant', content: '' }), held: true }]
  }

  #blockStart(index: number, block: JsonRecord): StreamOutput[] {
    switch (block['type']) {
      case 'tool_use': {
        const toolIndex = this.#toolIndexByBlock.size
        this.#toolIndexByBlock.set(index, toolIndex)
        const call = {
          index: toolIndex,
          id: String(block['id']),
          type: 'function' as const,
          function: { name: String(block['name']), arguments: '' },
        }
        return this.#delta({ tool_calls: [call] })
      }
      case 'text':
        return this.#text(stringField(block, 'text'))
      case 'thinking':
        return this.#reasoning(stringField(block, 'thinking'))
      default:
        return []
    }
  }

  #blockDelta(index: number, delta: JsonRecord): StreamOutput[] {
    switch (delta['type']) {
      case 'text_delta':
        return this.#text(stringField(delta, 'text'))
      case 'thinking_delta':
        return this.#reasoning(stringField(delta, 'thinking'))
      case 'input_json_delta': {
        const toolIndex = this.#toolIndexByBlock.get(index)
        const json = stringField(delta, 'partial_json')
        if (toolIndex === undefined || json === undefined || json === '') return []
        return this.#delta({ tool_calls: [{ index: toolIndex, function: { arguments: json } }] })
      }
      default:
        // signature_delta, citations_delta: nothing an OpenAI client can read.
        return []
    }
  }

  #messageDelta(delta: JsonRecord, usage: JsonRecord | undefined): StreamOutput[] {
    // message_delta usage counts are cumulative: the latest value wins.
    if (usage !== undefined) for (const [name, value] of Object.entries(usage)) if (typeof value === 'number') this.#usage[name] = value
    if (delta['stop_reason'] === undefined || delta['stop_reason'] === null) return []
    return [this.#finish(finishReasonOf(delta['stop_reason']))]
  }

  #messageStop(): StreamOutput[] {
    const out: StreamOutput[] = this.#finished ? [] : [this.#finish('stop')]
    if (this.#includeUsage) out.push({ kind: 'chunk', chunk: usageChunkOf(this.#identity, usageFromAnthropic(this.#usage)), held: false })
    out.push({ kind: 'done' })
    return out
  }

  #finish(reason: FinishReason): StreamOutput {
    this.#finished = true
    return { kind: 'chunk', chunk: chunkOf(this.#identity, {}, reason), held: false }
  }

  #text(text: string | undefined): StreamOutput[] {
    return text === undefined || text === '' ? [] : this.#delta({ content: text })
  }

  #reasoning(text: string | undefined): StreamOutput[] {
    return text === undefined || text === '' ? [] : this.#delta({ reasoning_content: text })
  }

  #delta(delta: ChunkDelta): StreamOutput[] {
    return [{ kind: 'chunk', chunk: chunkOf(this.#identity, delta), held: false }]
  }
}
