// Reads the events of a run of whole SSE events (as EventFramer cuts them), once each, with where each one lies in
// the bytes. An event that is one `data:` line (what OpenAI-compatible upstreams send) is sliced out without the line
// parser; any other shape (several data lines, named events, comments, CR line ends, a byte order mark) goes through
// SseParser, so every event means exactly what it means to the parser.
import { nextEventEnd, nextLfEventEnd } from './event-boundary.js'
import { SseParser, type SseEvent } from './sse-parser.js'

/** Called with each event and the byte range [start, end) of the run it came from, its blank line included. */
export type EventVisitor = (event: SseEvent, start: number, end: number) => void

const dataField = Buffer.from('data:', 'latin1')

export class EventReader {
  /** For events of other shapes; one for the whole stream, so a byte order mark counts only at its start. */
  readonly #parser = new SseParser((event) => {
    this.#parsed = event
  })
  #parsed: SseEvent | undefined
  #atStart = true

  /** `events`: whole events only (a trailing incomplete one is ignored). */
  read(events: Buffer, visit: EventVisitor): void {
    // Upstreams end lines with LF: then event and line ends are found by native byte search, not byte by byte.
    const lfOnly = events.indexOf(13) === -1
    let start = 0
    while (start < events.length) {
      const end = lfOnly ? nextLfEventEnd(events, start) : nextEventEnd(events, start)
      if (end === -1) return
      const data = this.#atStart ? undefined : singleDataLine(events, start, end, lfOnly)
      this.#atStart = false
      if (data !== undefined) {
        visit({ event: '', data, id: undefined }, start, end)
      } else {
        this.#parser.push(events.subarray(start, end))
        const event = this.#parsed
        this.#parsed = undefined
        // An event of comments or fields without data is no event (the parser dispatches none).
        if (event !== undefined) visit(event, start, end)
      }
      start = end
    }
  }
}

/**
 * The value of an event that is exactly one `data:` line and its blank line (`data: …\n\n`, or with CR/CRLF
 * endings); undefined for any other shape (several lines, other fields, comments, a byte order mark).
 */
function singleDataLine(bytes: Buffer, start: number, end: number, lfOnly: boolean): string | undefined {
  if (end - start < dataField.length + 2) return undefined
  if (bytes.compare(dataField, 0, dataField.length, start, start + dataField.length) !== 0) return undefined
  let valueStart = start + dataField.length
  if (bytes[valueStart] === 32) valueStart++
  let lineEnd = lfOnly ? bytes.indexOf(10, valueStart) : valueStart
  if (!lfOnly) while (lineEnd < end && bytes[lineEnd] !== 10 && bytes[lineEnd] !== 13) lineEnd++
  // The first line break must begin the blank line that ends the event: "\n\n", "\r\r" or "\r\n\r\n".
  const terminator = end - lineEnd
  if (terminator !== 2 && !(terminator === 4 && bytes[lineEnd] === 13 && bytes[lineEnd + 1] === 10)) return undefined
  return bytes.toString('utf8', valueStart, lineEnd)
}
