// Keeps a bounded copy of a non-stream answer, to read its usage and text for records when it ends.
import { readReportedUsage, type ReportedUsage } from '../streaming/reported-usage.js'

/** The predecessor stored raw text or JSON answers under 128 KB. */
const maxCapturedBytes = 128 * 1024

export interface CapturedResponse {
  readonly usage: ReportedUsage | undefined
  readonly text: string | undefined
}

export class ResponseCapture {
  #chunks: Buffer[] = []
  #bytes = 0
  #overflow = false

  push(chunk: Buffer): void {
    if (this.#overflow) return
    if (this.#bytes + chunk.length > maxCapturedBytes) {
      this.#overflow = true
      this.#chunks = []
      return
    }
    this.#chunks.push(chunk)
    this.#bytes += chunk.length
  }

  finish(): CapturedResponse {
    if (this.#overflow || this.#bytes === 0) return { usage: undefined, text: undefined }
    const whole = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#bytes)
    const text = whole.toString('utf8')
    let payload: unknown
    try {
      payload = JSON.parse(text)
    } catch {
      return { usage: undefined, text }
    }
    if (typeof payload !== 'object' || payload === null) return { usage: undefined, text }
    const p = payload as { usage?: unknown; choices?: unknown }
    return { usage: readReportedUsage(p.usage), text: firstChoiceText(p.choices) ?? text }
  }
}

function firstChoiceText(choices: unknown): string | undefined {
  if (!Array.isArray(choices) || choices.length === 0) return undefined
  const first = choices[0] as { message?: { content?: unknown; tool_calls?: unknown }; text?: unknown }
  if (typeof first.text === 'string') return first.text
  const message = first.message
  if (message === undefined) return undefined
  const parts: string[] = []
  if (typeof message.content === 'string' && message.content !== '') parts.push(message.content)
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls as Array<{ function?: { name?: unknown; arguments?: unknown } }>) {
      parts.push(`${textOf(call.function?.name)}(${textOf(call.function?.arguments)})`)
    }
  }
  return parts.join('\n')
}

/** A tool call's name or arguments as the record shows them: a string as it is, anything else as JSON. */
function textOf(value: unknown): string {
  return value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value)
}
