// Token usage as an upstream reports it in OpenAI's shape; all-zero usage counts as none reported.

export interface ReportedUsage {
  readonly promptTokens: number
  readonly completionTokens: number
  readonly totalTokens: number
}

export function readReportedUsage(value: unknown): ReportedUsage | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const u = value as Record<string, unknown>
  // Chat completions say prompt/completion; the Responses API says input/output.
  const prompt = count(u['prompt_tokens'] ?? u['input_tokens'])
  const completion = count(u['completion_tokens'] ?? u['output_tokens'])
  const total = count(u['total_tokens']) || prompt + completion
  if (prompt === 0 && completion === 0 && total === 0) return undefined
  return { promptTokens: prompt, completionTokens: completion, totalTokens: total }
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0
}
