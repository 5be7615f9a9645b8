// Reads what a relayed OpenAI stream said, as it passes: the text and tool calls for records, and the
// usage the upstream reported (a usage-only final chunk when stream_options.include_usage was set).
import type { SseEvent } from './sse-parser.js'
import type { ReportedUsage } from './reported-usage.js'
import { readReportedUsage } from './reported-usage.js'

interface ToolCallText {
  name: string
  args: string
}

export class StreamTap {
  #text = ''
  readonly #toolCalls = new Map<number, ToolCallText>()
  #usage: ReportedUsage | undefined

  /** Returns true when the event is a usage-only chunk (no choices, a usage object). */
  onEvent(event: SseEvent): boolean {
    if (event.data === '[DONE]') return false
    let payload: unknown
    try {
      payload = JSON.parse(event.data)
    } catch {
      return false
    }
    if (typeof payload !== 'object' || payload === null) return false
    const p = payload as Record<string, unknown>
    const usage = readReportedUsage(p['usage'])
    if (usage !== undefined) this.#usage = usage
    const choices = p['choices']
    if (!Array.isArray(choices)) return false
    const first = choices[0] as Record<string, unknown> | undefined
    if (first === undefined) return usage !== undefined || (p['usage'] !== undefined && p['usage'] !== null)
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
