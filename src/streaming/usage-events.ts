// Removes usage-only chunks from a run of whole SSE events: the gateway asks upstreams for usage,
// and a client that did not ask must not receive the extra chunk.
import { nextEventEnd } from './event-boundary.js'
import { classifyUsageOnly } from './usage-only.js'

/** `data` holds whole events only. Returns it without the usage-only ones. */
export function withoutUsageOnlyEvents(data: Buffer): Buffer {
  const kept: Buffer[] = []
  let start = 0
  let i = 0
  while (i < data.length) {
    const end = nextEventEnd(data, i)
    if (end === -1) break
    const event = data.subarray(start, end)
    if (!classifyUsageOnly(event)) kept.push(event)
    start = end
    i = end
  }
  if (start < data.length) kept.push(data.subarray(start))
  return Buffer.concat(kept)
}
