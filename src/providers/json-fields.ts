// Narrowing for JSON of unknown shape (client requests, upstream answers), without a schema library on the hot path.

export type JsonRecord = Readonly<Record<string, unknown>>

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function stringField(record: JsonRecord, name: string): string | undefined {
  const value = record[name]
  return typeof value === 'string' ? value : undefined
}

export function numberField(record: JsonRecord, name: string): number | undefined {
  const value = record[name]
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

export function recordField(record: JsonRecord, name: string): JsonRecord | undefined {
  const value = record[name]
  return isRecord(value) ? value : undefined
}

/** JSON.parse that answers undefined instead of throwing: callers turn that into their own typed error. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
