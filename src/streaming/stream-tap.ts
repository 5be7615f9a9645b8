// Reads what a relayed OpenAI stream said, as it passes: the text and tool calls for records, and the
// usage the upstream reported (a usage-only final chunk when stream_options.include_usage was set).
import { nextEventEnd, nextLfEventEnd } from './event-boundary.js'
import type { ReportedUsage } from './reported-usage.js'
import { readReportedUsage } from './reported-usage.js'
import { SseParser, type SseEvent } from './sse-parser.js'

/** What a run of whole events held that the relay acts on. */
export interface EventsSeen {
  /** A `data: [DONE]` event. */
  readonly done: boolean
  /** A usage-only chunk (the relay removes it when the client did not ask for usage). */
  readonly usageOnly: boolean
}

const dataField = Buffer.from('data:', 'latin1')

interface ToolCallText {
  name: string
  args: string
}

export class StreamTap {
  #text = ''
  readonly #toolCalls = new Map<number, ToolCallText>()
  #usage: ReportedUsage | undefined
  #errorSeen = false

  /** Returns true when the event is a usage-only chunk (no choices, a usage object). */
  onEvent(event: SseEvent): boolean {
    if (event.data === '[DONE]') return false
    if (event.event === 'error') this.#errorSeen = true
    let payload: unknown
    try {
      payload = JSON.parse(event.data)
    } catch {
      return false
    }
    if (typeof payload !== 'object' || payload === null) return false
    const p = payload as Record<string, unknown>
    if (p['error'] !== undefined && p['error'] !== null) this.#errorSeen = true
    const usage = readReportedUsage(p['usage'])
    if (usage !== undefined) this.#usage = usage
    const choices = p['choices']
    if (!Array.isArray(choices)) return false
    const first = choices[0] as Record<string, unknown> | null | undefined
    if (first === undefined) return usage !== undefined || (p['usage'] !== undefined && p['usage'] !== null)
    // A first choice of null is malformed, and says nothing.
    if (first === null) return false
    const delta = first['delta'] as Record<string, unknown> | undefined
    if (delta !== undefined && delta !== null) {
      if (typeof delta['content'] === 'string') this.#text += delta['content']
      const toolCalls = delta['tool_calls']
      if (Array.isArray(toolCalls)) this.#addToolCalls(toolCalls)
    } else if (typeof first['text'] === 'string') {
      this.#text += first['text']
    }
    return false
  }

  /**
   * Reads whole events straight from the bytes being forwarded (after the commit point): an event that is one
   * `data:` line (what OpenAI-compatible upstreams send) is read without the line parser; anything else goes
   * through it, so every event means the same as it would to `SseParser`.
   */
  onEventBytes(events: Buffer): EventsSeen {
    let done = false
    let usageOnly = false
    const read = (event: SseEvent): void => {
      if (event.data === '[DONE]') done = true
      else if (this.onEvent(event)) usageOnly = true
    }
    let start = 0
    // Upstreams end lines with LF: then event and line ends are found by native byte search, not byte by byte.
    const lfOnly = events.indexOf(13) === -1
    while (start < events.length) {
      const end = lfOnly ? nextLfEventEnd(events, start) : nextEventEnd(events, start)
      if (end === -1) break
      const data = singleDataLine(events, start, end, lfOnly)
      if (data !== undefined) read({ event: '', data, id: undefined })
      else new SseParser(read).push(events.subarray(start, end))
      start = end
    }
    return { done, usageOnly }
  }

  /**
   * Whether an error event was read since the last call: the upstream's own error is the one event of a
   * successful stream that may echo its key, so only a run holding one is searched for secrets.
   */
  takeErrorSeen(): boolean {
    const seen = this.#errorSeen
    this.#errorSeen = false
    return seen
  }

  get usage(): ReportedUsage | undefined {
    return this.#usage
  }

  /** The concatenated content, then each tool call as `name(arguments)` on its own line. */
  get text(): string {
    if (this.#toolCalls.size === 0) return this.#text
    const calls = [...this.#toolCalls.values()].map((call) => `${call.name}(${call.args})`)
    return [this.#text, ...calls].filter((part) => part !== '').join('\n')
  }

  #addToolCalls(toolCalls: unknown[]): void {
    for (const call of toolCalls) {
      if (typeof call !== 'object' || call === null) continue
      const c = call as { index?: unknown; function?: { name?: unknown; arguments?: unknown } }
      const index = typeof c.index === 'number' ? c.index : 0
      let entry = this.#toolCalls.get(index)
      if (entry === undefined) {
        entry = { name: '', args: '' }
        this.#toolCalls.set(index, entry)
      }
      if (typeof c.function?.name === 'string') entry.name += c.function.name
      if (typeof c.function?.arguments === 'string') entry.args += c.function.arguments
    }
  }
}

/**
 * The value of an event that is exactly one `data:` line and its blank line (`data: …\n\n`, or with CR/CRLF
 * endings); undefined for any other shape (several lines, other fields, comments, a byte order mark).
 */
function singleDataLine(bytes: Buffer, start: number, end: number, lfOnly: boolean): string | undefined {
  if (end - start < dataField.length + 2 || bytes.compare(dataField, 0, dataField.length, start, start + dataField.length) !== 0) return undefined
  let valueStart = start + dataField.length
  if (bytes[valueStart] === 32) valueStart++
  let lineEnd = lfOnly ? bytes.indexOf(10, valueStart) : valueStart
  if (!lfOnly) while (lineEnd < end && bytes[lineEnd] !== 10 && bytes[lineEnd] !== 13) lineEnd++
  // The first line break must begin the blank line that ends the event: "\n\n", "\r\r" or "\r\n\r\n".
  const terminator = end - lineEnd
  if (terminator !== 2 && !(terminator === 4 && bytes[lineEnd] === 13 && bytes[lineEnd + 1] === 10)) return undefined
  return bytes.toString('utf8', valueStart, lineEnd)
}
