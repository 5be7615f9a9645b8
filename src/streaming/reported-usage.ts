// Token usage as an upstream reports it in OpenAI's shape; all-zero usage counts as none reported.

export interface ReportedUsage {
  readonly promptTokens: number
  readonly completionTokens: number
  readonly totalTokens: number
  /** Of the prompt, the tokens read from the upstream's prompt cache (`prompt_tokens_details.cached_tokens`); absent when not said. */
  readonly cachedPromptTokens?: number
}

export function readReportedUsage(value: unknown): ReportedUsage | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const u = value as Record<string, unknown>
  // Chat completions say prompt/completion; the Responses API says input/output.
  const prompt = count(u['prompt_tokens'] ?? u['input_tokens'])
  const completion = count(u['completion_tokens'] ?? u['output_tokens'])
  const total = count(u['total_tokens']) || prompt + completion
  if (prompt === 0 && completion === 0 && total === 0) return undefined
  const details = u['prompt_tokens_details'] ?? u['input_tokens_details']
  const cached = typeof details === 'object' && details !== null ? count((details as Record<string, unknown>)['cached_tokens']) : 0
  return cached > 0
    ? { promptTokens: prompt, completionTokens: completion, totalTokens: total, cachedPromptTokens: Math.min(cached, prompt) }
    : { promptTokens: prompt, completionTokens: completion, totalTokens: total }
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0
}
