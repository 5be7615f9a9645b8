// One reading of one stream event, made once and shared by everything that looks at it: the commit point (is it
// visible yet), the usage tap (its text, tool calls and usage, for records), the usage-chunk removal (is it the
// usage-only chunk) and the relay's secret search (is it the upstream's error). At most one JSON.parse per event.
import { chatPayloadVisibility, type EventVisibility } from './commit-point.js'
import { readReportedUsage, type ReportedUsage } from './reported-usage.js'
import type { SseEvent } from './sse-parser.js'
import type { StreamDialect } from './stream-dialect.js'

export interface ClassifiedEvent {
  /** For the commit point, by the dialect's rule. */
  readonly visibility: EventVisibility
  /** OpenAI's usage-only final chunk (`"choices":[]` with a usage object). */
  readonly usageOnly: boolean
  readonly usage: ReportedUsage | undefined
  /** The first choice's text: `delta.content`, or a legacy completion's `text`. */
  readonly text: string | undefined
  /** The first choice's `delta.tool_calls`. */
  readonly toolCalls: readonly unknown[] | undefined
  /** An error event or payload: the one event of a successful stream that may quote the upstream's key. */
  readonly error: boolean
}

const done: ClassifiedEvent = Object.freeze({
  visibility: 'done',
  usageOnly: false,
  usage: undefined,
  text: undefined,
  toolCalls: undefined,
  error: false,
})

export function classifyEvent(dialect: StreamDialect, event: SseEvent): ClassifiedEvent {
  // `[DONE]` stays the end of a stream whatever the API, so a stream that is only `[DONE]` ends at once.
  if (event.data === '[DONE]') return done
  const errorEvent = event.event === 'error'
  // Another API's event commits whatever it holds, and the tap reads only usage, choices and errors: data that names
  // none of them (and escapes nothing that could spell one) says nothing to anyone here.
  if (dialect === 'opaque' && !namesWhatTheTapReads(event.data)) return unread(errorEvent)
  let parsed: unknown
  try {
    parsed = JSON.parse(event.data)
  } catch {
    // Not JSON: the gateway cannot tell what it is, so the client must see it.
    return unread(errorEvent)
  }
  if (typeof parsed !== 'object' || parsed === null) return unread(errorEvent)
  const payload = parsed as Record<string, unknown>
  const error = errorEvent || (payload['error'] !== undefined && payload['error'] !== null)
  const visibility = dialect === 'opaque' || errorEvent ? 'visible' : chatPayloadVisibility(payload)
  const usageValue = payload['usage']
  const usage = readReportedUsage(usageValue)
  const choices = payload['choices']
  if (!Array.isArray(choices)) return { visibility, usageOnly: false, usage, text: undefined, toolCalls: undefined, error }
  const usageOnly = choices.length === 0 && typeof usageValue === 'object' && usageValue !== null
  const first = choices[0] as unknown
  if (typeof first !== 'object' || first === null) return { visibility, usageOnly, usage, text: undefined, toolCalls: undefined, error }
  const choice = first as Record<string, unknown>
  const delta = choice['delta']
  if (delta === undefined || delta === null) {
    const text = typeof choice['text'] === 'string' ? choice['text'] : undefined
    return { visibility, usageOnly, usage, text, toolCalls: undefined, error }
  }
  const d = delta as Record<string, unknown>
  const text = typeof d['content'] === 'string' ? d['content'] : undefined
  const toolCalls = Array.isArray(d['tool_calls']) ? (d['tool_calls'] as unknown[]) : undefined
  return { visibility, usageOnly, usage, text, toolCalls, error }
}

function namesWhatTheTapReads(data: string): boolean {
  return data.includes('"usage"') || data.includes('"choices"') || data.includes('"error"') || data.includes('\\u')
}

function unread(error: boolean): ClassifiedEvent {
  return { visibility: 'visible', usageOnly: false, usage: undefined, text: undefined, toolCalls: undefined, error }
}
