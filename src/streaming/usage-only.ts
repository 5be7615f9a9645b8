// Whether one raw SSE event is OpenAI's usage-only final chunk (`"choices":[]` with a usage object).

export function classifyUsageOnly(event: Buffer): boolean {
  const text = event.toString('utf8')
  const lines = text.split(/\r\n|\r|\n/)
  const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
  if (data.length === 0) return false
  try {
    const payload = JSON.parse(data.join('\n')) as { choices?: unknown; usage?: unknown }
    return Array.isArray(payload.choices) && payload.choices.length === 0 && typeof payload.usage === 'object' && payload.usage !== null
  } catch {
    return false
  }
}
