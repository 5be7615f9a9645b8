// Estimates token counts when an upstream reports none, with OpenAI's o200k_base encoding.
// Building the encoding's table takes a noticeable moment of CPU, so it is built once per process and
// only when an estimate is first needed (most upstreams report usage); until it is there, a
// characters-per-token rule stands in (still marked as an estimate).
import type { Tiktoken } from 'js-tiktoken/lite'

export interface TokenEstimator {
  count(text: string): number
}

/** ChatML framing per message, as OpenAI's cookbook counts it. */
const tokensPerMessage = 3
const tokensPerReply = 3

let encoder: Tiktoken | undefined
let loading: Promise<void> | undefined

/** Loads the encoding once per process; safe to call any number of times. */
export function loadEncoding(): Promise<void> {
  loading ??= (async () => {
    const [{ Tiktoken }, ranks] = await Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/o200k_base')])
    encoder = new Tiktoken(ranks.default)
  })()
  return loading
}

export class TiktokenEstimator implements TokenEstimator {
  readonly #onLoadError: (error: unknown) => void

  constructor(onLoadError: (error: unknown) => void) {
    this.#onLoadError = onLoadError
  }

  count(text: string): number {
    if (text === '') return 0
    if (encoder === undefined) {
      loadEncoding().catch(this.#onLoadError)
      return Math.ceil(text.length / 4)
    }
    return encoder.encode(text, [], []).length
  }
}

/** Prompt tokens of a chat (or legacy completions) request body. */
export function estimatePromptTokens(json: Readonly<Record<string, unknown>> | null, estimator: TokenEstimator): number {
  if (json === null) return 0
  const messages = json['messages']
  if (Array.isArray(messages)) {
    let total = tokensPerReply
    for (const message of messages) {
      total += tokensPerMessage
      if (typeof message !== 'object' || message === null) continue
      const m = message as { content?: unknown; name?: unknown; tool_calls?: unknown }
      total += estimator.count(contentText(m.content))
      if (typeof m.name === 'string') total += estimator.count(m.name) + 1
      if (m.tool_calls !== undefined) total += estimator.count(JSON.stringify(m.tool_calls))
    }
    return total
  }
  const prompt = json['prompt'] ?? json['input']
  if (typeof prompt === 'string') return estimator.count(prompt)
  if (Array.isArray(prompt)) return prompt.reduce((n: number, p: unknown) => n + estimator.count(contentText(p)), 0)
  return 0
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  let text = ''
  for (const part of content) {
    if (typeof part === 'string') text += part
    else if (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string') text += (part as { text: string }).text
  }
  return text
}
