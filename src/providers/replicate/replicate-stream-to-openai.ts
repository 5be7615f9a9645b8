// Maps a Replicate prediction stream (`event: output` text pieces, `event: error`, `event: done`) to OpenAI
// chat.completion.chunk objects: stateful but pure, events in and outputs out.
import type { SseEvent } from '../../streaming/sse-parser.js'
import { isRecord, parseJson, stringField } from '../json-fields.js'
import { chunkOf, type ChunkIdentity, type StreamOutput } from '../openai-chat.js'

export class ReplicateStreamMapper {
  readonly #identity: ChunkIdentity
  #started = false

  constructor(identity: ChunkIdentity) {
    this.#identity = identity
  }

  map(event: SseEvent): StreamOutput[] {
    switch (event.event) {
      case 'output':
        return event.data === ''
          ? []
          : [...this.#start(), { kind: 'chunk', chunk: chunkOf(this.#identity, { content: event.data }), held: false }]
      case 'error': {
        const payload = parseJson(event.data)
        const detail = isRecord(payload) ? stringField(payload, 'detail') : undefined
        return [{ kind: 'error', errorType: 'prediction_failed', message: detail ?? event.data }]
      }
      case 'done': {
        const payload = parseJson(event.data)
        const reason = isRecord(payload) ? stringField(payload, 'reason') : undefined
        if (reason !== undefined && reason !== '') {
          return [{ kind: 'error', errorType: reason === 'canceled' ? 'prediction_canceled' : 'prediction_failed', message: '' }]
        }
        return [...this.#start(), { kind: 'chunk', chunk: chunkOf(this.#identity, {}, 'stop'), held: false }, { kind: 'done' }]
      }
      default:
        return []
    }
  }

  /** The role chunk OpenAI streams open with, before the first piece of the answer. */
  #start(): StreamOutput[] {
    if (this.#started) return []
    this.#started = true
    return [{ kind: 'chunk', chunk: chunkOf(this.#identity, { role: 'assistant', content: '' }), held: true }]
  }
}
