// The usage of a finished request: what the upstream reported, else an estimate for a successful
// completion (counted on the token worker, hence possibly a promise).
import type { TokenUsage } from '../outcome/request-outcome.js'
import type { CapturedResponse } from './response-capture.js'
import { promptTexts, roughCount, type TokenEstimator } from './token-estimator.js'

export function outcomeUsage(
  status: number,
  captured: CapturedResponse | undefined,
  /** The parsed request body, asked for only when an estimate is needed. */
  requestJson: () => Readonly<Record<string, unknown>> | null,
  tokens: TokenEstimator,
): TokenUsage | undefined | Promise<TokenUsage | undefined> {
  if (captured === undefined || status < 200 || status >= 300) return undefined
  const reported = captured.usage
  if (reported !== undefined) {
    const { promptTokens, completionTokens, totalTokens, cachedPromptTokens } = reported
    return cachedPromptTokens === undefined
      ? { promptTokens, completionTokens, totalTokens, source: 'reported' }
      : { promptTokens, completionTokens, totalTokens, cachedPromptTokens, source: 'reported' }
  }
  const json = requestJson()
  if (json === null || (json['messages'] === undefined && json['prompt'] === undefined && json['input'] === undefined)) return undefined
  const prompt = promptTexts(json)
  const completion = captured.text ?? ''
  return tokens.count([...prompt.texts, completion]).then((counts) => {
    // A failed counter answers with nothing: fall back to a rough count rather than none.
    const countOf = (i: number, text: string): number => counts[i] ?? roughCount(text)
    let promptTokens = prompt.framing
    prompt.texts.forEach((text, i) => {
      promptTokens += countOf(i, text)
    })
    const completionTokens = countOf(prompt.texts.length, completion)
    return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, source: 'estimated' as const }
  })
}
