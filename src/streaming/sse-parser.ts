// Incremental Server-Sent Events parser (WHATWG HTML §9.2.6 "Interpreting an event stream"):
// framing is parsed once here, so everything downstream sees typed events, never raw text.
import { EventFramer } from './event-framer.js'

export interface SseEvent {
  /** The `event:` field; empty when absent (the spec's default type is "message"). */
  readonly event: string
  /** The `data:` lines joined with "\n". */
  readonly data: string
  readonly id: string | undefined
}

export interface SseParserOptions {
  /** An event larger than this (in bytes, its blank line included) stops the parser: push() returns false. */
  readonly maxEventBytes?: number
}

export class SseParser {
  readonly #onEvent: (event: SseEvent) => void
  readonly #framer: EventFramer
  #event = ''
  #data: string[] = []
  #id: string | undefined = undefined
  /** A run of events ended in "\r": a "\n" starting the next run belongs to the same line break. */
  #skipLeadingLf = false
  /** Nothing decoded yet: a leading byte order mark is still to be dropped. */
  #atStart = true
  #oversized = false

  constructor(onEvent: (event: SseEvent) => void, options: SseParserOptions = {}) {
    this.#onEvent = onEvent
    this.#framer = new EventFramer(options.maxEventBytes)
  }

  /**
   * Events are cut from the bytes whole before they are decoded (a line break is never inside a UTF-8 sequence),
   * so an event costs time linear in its size however many reads it arrives in. False: an event was larger than
   * `maxEventBytes`; the parser reads nothing more.
   */
  push(chunk: Buffer): boolean {
    if (this.#oversized) return false
    const events = this.#framer.push(chunk)
    if (events === undefined) {
      this.#oversized = true
      this.end()
      return false
    }
    if (events.length > 0) this.#parseEvents(events.toString('utf8'))
    return true
  }

  /** The stream ended: an event without its blank line is not dispatched (as the spec says). */
  end(): void {
    this.#framer.takeRest()
    this.#data = []
    this.#event = ''
  }

  #parseEvents(decoded: string): void {
    let text = decoded
    if (this.#atStart) {
      this.#atStart = false
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    if (this.#skipLeadingLf && text.startsWith('\n')) text = text.slice(1)
    this.#skipLeadingLf = false
    // Each search starts where the last one left off: looking for "\r" from every line start again would scan
    // a run of many short events once per line.
    let start = 0
    let lf = text.indexOf('\n')
    let cr = text.indexOf('\r')
    while (start < text.length) {
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start)
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start)
      let end: number
      let next: number
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr
        if (cr + 1 === text.length) {
          this.#skipLeadingLf = true
          next = cr + 1
        } else {
          next = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1
        }
      } else if (lf !== -1) {
        end = lf
        next = lf + 1
      } else {
        break
      }
      this.#line(text.slice(start, end))
      start = next
    }
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
