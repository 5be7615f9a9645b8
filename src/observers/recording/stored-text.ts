// Text as it may be stored: cut to a byte budget at a character boundary, and free of NUL (PostgreSQL refuses it).

export interface StoredText {
  readonly text: string
  readonly truncated: boolean
}

/** The first `maxBytes` bytes of UTF-8 `bytes`, never splitting a character. */
export function storedTextOfBytes(bytes: Buffer, maxBytes: number): StoredText {
  if (bytes.length <= maxBytes) return { text: withoutNul(bytes.toString('utf8')), truncated: false }
  let end = maxBytes
  // Back up over continuation bytes (10xxxxxx) so the cut lands before a character's lead byte.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--
  return { text: withoutNul(bytes.subarray(0, end).toString('utf8')), truncated: true }
}

export function storedTextOf(text: string, maxBytes: number): StoredText {
  // Each UTF-16 unit is at most 3 UTF-8 bytes, so short strings need no encoding to be measured.
  if (text.length * 3 <= maxBytes) return { text: withoutNul(text), truncated: false }
  return storedTextOfBytes(Buffer.from(text, 'utf8'), maxBytes)
}

function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text
}
