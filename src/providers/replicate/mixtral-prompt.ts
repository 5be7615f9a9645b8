// The predecessor's Mixtral-style prompt: `<s> [INST] user [/INST] assistant </s>` per exchange, a trailing
// `<s> [INST] user [/INST] ` for the turn to answer, and system text prefixed to the next user turn.

export interface PromptMessage {
  readonly role: 'system' | 'user' | 'assistant'
  readonly text: string
}

export function mixtralPrompt(messages: readonly PromptMessage[]): string {
  let prompt = ''
  let system: string | undefined
  let user: string | undefined
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        system = join(system, message.text)
        break
      case 'user':
        user = join(user, join(system, message.text))
        system = undefined
        break
      case 'assistant':
        prompt += `<s> [INST] ${user ?? join(system, '')} [/INST] ${message.text} </s>`
        user = undefined
        system = undefined
        break
    }
  }
  // System text with no user turn after it is still an instruction to follow.
  const last = join(user, system ?? '')
  if (last !== '' || user !== undefined) prompt += `<s> [INST] ${last} [/INST] `
  return prompt
}

function join(first: string | undefined, second: string): string {
  if (first === undefined || first === '') return second
  if (second === '') return first
  return `${first}\n\n${second}`
}
