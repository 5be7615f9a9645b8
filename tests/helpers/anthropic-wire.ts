// Anthropic Messages API payloads as Anthropic sends them (field, event and header names exactly), and fake-upstream
// behaviours that answer with them.
import type { Behaviour } from './fake-upstream.js'

export interface AnthropicEvent {
  readonly event: string
  readonly data: Record<string, unknown>
}

export function anthropicMessage(
  content: readonly Record<string, unknown>[],
  stopReason = 'end_turn',
  model = 'claude-sonnet-4-5',
): Record<string, unknown> {
  return {
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 6, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  }
}

const event = (type: string, fields: Record<string, unknown> = {}): AnthropicEvent => ({ event: type, data: { type, ...fields } })

export function messageStart(model = 'claude-sonnet-4-5'): AnthropicEvent {
  return event('message_start', {
    message: {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      type: 'message',
      role: 'assistant',
      content: [],
      model,
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
  })
}

/** A whole streamed text answer, the way the Messages API streams it (ping included). */
export function textStream(pieces: readonly string[], stopReason = 'end_turn', outputTokens = 6): AnthropicEvent[] {
  return [
    messageStart(),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('ping'),
    ...pieces.map((text) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
    event('content_block_stop', { index: 0 }),
    event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } }),
    event('message_stop'),
  ]
}

/** Text, then one tool call whose input JSON arrives in pieces. */
export function toolStream(text: string, tool: { id: string; name: string; jsonPieces: readonly string[] }): AnthropicEvent[] {
  return [
    messageStart(),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
    event('content_block_stop', { index: 0 }),
    event('content_block_start', { index: 1, content_block: { type: 'tool_use', id: tool.id, name: tool.name, input: {} } }),
    event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } }),
    ...tool.jsonPieces.map((partial_json) => event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json } })),
    event('content_block_stop', { index: 1 }),
    event('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 20 } }),
    event('message_stop'),
  ]
}

export function errorEvent(type: string, message: string): AnthropicEvent {
  return { event: 'error', data: { type: 'error', error: { type, message } } }
}

export function anthropicEventText(events: readonly AnthropicEvent[]): string {
  return events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join('')
}

export interface AnthropicSseOptions {
  /** After the events: 'end' (default), or 'hang' with the response left open. */
  readonly then?: 'end' | 'hang'
}

/** A Messages API stream answer: `content-type: text/event-stream`, one write per event. */
export function anthropicSse(events: readonly AnthropicEvent[], options: AnthropicSseOptions = {}): Behaviour {
  return (req, res) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': 'req_011CSHoEeqs5C35K2UUqR7Fy',
    })
    for (const e of events) {
      if (req.wasAborted()) return
      res.write(anthropicEventText([e]))
    }
    if (options.then !== 'hang') res.end()
  }
}

/** An Anthropic error answer: `{"type":"error","error":{"type","message"}}` with its status. */
export function anthropicError(status: number, type: string, message: string, headers: Record<string, string> = {}): Behaviour {
  return (_req, res) => {
    const text = JSON.stringify({ type: 'error', error: { type, message } })
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'request-id': 'req_011CSHoEeqs5C35K2UUqR7Fy',
      ...headers,
    })
    res.end(text)
  }
}
