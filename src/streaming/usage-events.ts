// Removes usage-only chunks from a run of whole SSE events: the gateway asks upstreams for usage,
// and a client that did not ask must not receive the extra chunk.
import { classifyUsageOnly } from './usage-only.js'

/** `data` holds whole events only. Returns it without the usage-only ones. */
export function withoutUsageOnlyEvents(data: Buffer): Buffer {
  const kept: Buffer[] = []
  let start = 0
  let i = 0
  while (i < data.length) {
    const end = eventEnd(data, i)
    if (end === -1) break
    const event = data.subarray(start, end)
    if (!classifyUsageOnly(event)) kept.push(event)
    start = end
    i = end
  }
  if (start < data.length) kept.push(data.subarray(start))
  return Buffer.concat(kept)
}

/** Index just past the blank line that ends the event starting at `from`, or -1. */
function eventEnd(data: Buffer, from: number): number {
  for (let i = from; i < data.length; i++) {
    const c = data[i]
    if (c === 10 && data[i + 1] === 10) return i + 2
    if (c === 13 && data[i + 1] === 10 && data[i + 2] === 13 && data[i + 3] === 10) return i + 4
    if (c === 13 && data[i + 1] === 13) return i + 2
  }
  return -1
}
