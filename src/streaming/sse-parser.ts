// Incremental Server-Sent Events parser (WHATWG HTML §9.2.6 "Interpreting an event stream"):
// framing is parsed once here, so everything downstream sees typed events, never raw text.
import { StringDecoder } from 'node:string_decoder'

export interface SseEvent {
  /** The `event:` field; empty when absent (the spec's default type is "message"). */
  readonly event: string
  /** The `data:` lines joined with "\n". */
  readonly data: string
  readonly id: string | undefined
}

export class SseParser {
  readonly #decoder = new StringDecoder('utf8')
  readonly #onEvent: (event: SseEvent) => void
  #buffer = ''
  #event = ''
  #data: string[] = []
  #id: string | undefined = undefined
  /** A chunk ended in "\r": a "\n" starting the next chunk belongs to the same line break. */
  #skipLeadingLf = false
  /** Nothing decoded yet: a leading byte order mark is still to be dropped. */
  #atStart = true

  constructor(onEvent: (event: SseEvent) => void) {
    this.#onEvent = onEvent
  }

  push(chunk: Buffer): void {
    let text = this.#decoder.write(chunk)
    if (this.#atStart && text !== '') {
      this.#atStart = false
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    if (this.#skipLeadingLf && text.startsWith('\n')) text = text.slice(1)
    this.#skipLeadingLf = false
    this.#buffer = this.#buffer === '' ? text : this.#buffer + text
    this.#drainLines()
  }

  /** The stream ended: an event without its blank line is not dispatched (as the spec says). */
  end(): void {
    this.#buffer = ''
    this.#data = []
    this.#event = ''
  }

  #drainLines(): void {
    const buffer = this.#buffer
    let start = 0
    for (;;) {
      const lf = buffer.indexOf('\n', start)
      const cr = buffer.indexOf('\r', start)
      let end: number
      let next: number
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr
        if (cr + 1 === buffer.length) {
          this.#skipLeadingLf = true
          next = cr + 1
        } else {
          next = buffer.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1
        }
      } else if (lf !== -1) {
        end = lf
        next = lf + 1
      } else {
        break
      }
      this.#line(buffer.slice(start, end))
      start = next
    }
    this.#buffer = start === 0 ? buffer : buffer.slice(start)
  }

  #line(line: string): void {
    if (line === '') {
      if (this.#data.length > 0) {
        this.#onEvent({ event: this.#event, data: this.#data.join('\n'), id: this.#id })
      }
      this.#data = []
      this.#event = ''
      return
    }
    if (line.charCodeAt(0) === 58 /* ':' comment */) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    switch (field) {
      case 'data':
        this.#data.push(value)
        break
      case 'event':
        this.#event = value
        break
      case 'id':
        if (!value.includes('\0')) this.#id = value
        break
      default:
        // `retry` and unknown fields do not matter to a relay.
        break
    }
  }
}

/** Encode one SSE event with a JSON payload, as OpenAI does (`data: {...}\n\n`). */
export function encodeSseData(data: string): string {
  return `data: ${data}\n\n`
}
