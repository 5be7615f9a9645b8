// Where the last complete SSE event in a buffer ends: just after its blank line (two line endings in a row,
// each LF, CR or CRLF, as the WHATWG event-stream rules allow).

/** Index just past the last event terminator, or 0 when the buffer holds no complete event. */
export function lastEventBoundary(data: Buffer): number {
  const n = data.length
  // Fast path: upstreams almost always send whole events.
  if (n >= 2 && data[n - 1] === 10 && (data[n - 2] === 10 || (n >= 4 && data[n - 2] === 13 && data[n - 3] === 10 && data[n - 4] === 13)))
    return n
  for (let i = n - 1; i >= 1; i--) {
    const c = data[i]
    const prev = data[i - 1]
    if (c === 10) {
      if (prev === 10) return i + 1
      // CRLF ending an empty line, after a line ended by LF, CR or CRLF ("\n\r\n", "\r\r\n", "\r\n\r\n").
      if (prev === 13 && i >= 2 && (data[i - 2] === 10 || data[i - 2] === 13)) return i + 1
    } else if (c === 13 && (prev === 13 || prev === 10)) {
      return i + 1
    }
  }
  return 0
}

/**
 * Index just past the blank line that ends the event starting at `from`, or -1 when that event is not complete.
 * Line endings are LF, CR or CRLF in any mix; a CR at the very end counts as a line ending, as in lastEventBoundary,
 * so walking events with this lands exactly on that function's boundary.
 */
export function nextEventEnd(data: Buffer, from: number): number {
  const n = data.length
  for (let i = from; i < n; i++) {
    const c = data[i]
    if (c !== 10 && c !== 13) continue
    // A line ends at i; the next line starts after its LF, CR or CRLF.
    const next = c === 13 && data[i + 1] === 10 ? i + 2 : i + 1
    const d = data[next]
    if (d === 10) return next + 1
    if (d === 13) return data[next + 1] === 10 ? next + 2 : next + 1
    i = next - 1
  }
  return -1
}

/**
 * nextEventEnd for bytes known to hold no CR: just past the first blank line, found by native search. It searches for
 * one LF and looks at the byte after: Buffer.indexOf finds one byte several times faster than the two of "\n\n",
 * and an event's first LF is mostly the one that ends it.
 */
export function nextLfEventEnd(data: Buffer, from: number): number {
  for (let at = data.indexOf(10, from); at !== -1; at = data.indexOf(10, at + 1)) {
    if (data[at + 1] === 10) return at + 2
  }
  return -1
}
