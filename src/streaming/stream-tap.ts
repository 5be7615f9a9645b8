// Keeps what a relayed stream said, as it passes: the text and tool calls for records, and the usage the upstream
// reported (a usage-only final chunk when stream_options.include_usage was set). It reads classified events, so
// it never parses anything itself.
import type { ClassifiedEvent } from './classify-event.js'
import type { ReportedUsage } from './reported-usage.js'

interface ToolCallText {
  name: string
  args: string
}

export class StreamTap {
  #text = ''
  readonly #toolCalls = new Map<number, ToolCallText>()
  #usage: ReportedUsage | undefined

  add(event: ClassifiedEvent): void {
    if (event.usage !== undefined) this.#usage = event.usage
    if (event.text !== undefined) this.#text += event.text
    if (event.toolCalls !== undefined) this.#addToolCalls(event.toolCalls)
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

  #addToolCalls(toolCalls: readonly unknown[]): void {
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
