// Parses sizes such as `32MiB`, `10MB` or `512KiB` into bytes, so limits read the way people write them.

const unitBytes: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
}

export const byteSizeHint = 'expected a number of bytes or a size such as "32MiB", "10MB" or "512KiB"'

/** Whole bytes, rounded down; undefined when the text is not a size. Bare `K`/`M` are refused: decimal or binary is ambiguous. */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text)
  if (match === null) return undefined
  const unit = (match[2] ?? '').toLowerCase()
  const multiplier = unit === '' ? 1 : unitBytes[unit]
  if (multiplier === undefined) return undefined
  const bytes = Math.floor(Number(match[1]) * multiplier)
  return Number.isSafeInteger(bytes) ? bytes : undefined
}
