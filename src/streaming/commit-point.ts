// The commit point of a chat stream: the first event that carries something the client must see.
// Role-only and empty chunks before it are held, so an upstream that dies early can still fail over.

export type EventVisibility =
  /** Nothing the client must see yet (role-only delta, empty content, a "created" event). */
  | 'held'
  /** Content, a tool call, reasoning, a refusal, an error, a finish reason, usage: commit now. */
  | 'visible'
  /** `[DONE]`: the end of a complete stream. */
  | 'done'

/** Responses-API events that only announce structure and carry nothing the client must see yet. */
const structuralResponseEvents = new Set([
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.content_part.added',
])

/** The visibility of an event whose data parsed as a JSON object (see classifyEvent for the other cases). */
export function chatPayloadVisibility(payload: Record<string, unknown>): EventVisibility {
  if (payload['error'] !== undefined && payload['error'] !== null) return 'visible'
  const type = payload['type']
  if (typeof type === 'string' && type.startsWith('response.')) {
    return structuralResponseEvents.has(type) ? 'held' : 'visible'
  }
  const choices = payload['choices']
  if (Array.isArray(choices)) {
    for (const choice of choices) {
      if (choiceIsVisible(choice)) return 'visible'
    }
  }
  const usage = payload['usage']
  if (usage !== undefined && usage !== null) return 'visible'
  return 'held'
}

function choiceIsVisible(choice: unknown): boolean {
  if (typeof choice !== 'object' || choice === null) return false
  const c = choice as Record<string, unknown>
  if (c['finish_reason'] !== undefined && c['finish_reason'] !== null) return true
  // Legacy completions stream `text` on the choice itself.
  if (typeof c['text'] === 'string' && c['text'] !== '') return true
  const delta = c['delta']
  if (typeof delta !== 'object' || delta === null) return false
  const d = delta as Record<string, unknown>
  return (
    nonEmptyString(d['content']) ||
    nonEmptyString(d['reasoning_content']) ||
    nonEmptyString(d['reasoning']) ||
    nonEmptyString(d['refusal']) ||
    (Array.isArray(d['tool_calls']) && d['tool_calls'].length > 0) ||
    (d['function_call'] !== undefined && d['function_call'] !== null) ||
    (Array.isArray(d['content']) && d['content'].length > 0)
  )
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value !== ''
}
