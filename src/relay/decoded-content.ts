// A non-2xx answer's body in a content coding (gzip, deflate, br), decoded so its secrets can be searched: the
// redactor sees bytes, and a key inside a compressed body would otherwise reach the client untouched.
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib'

/** An error body decoded, at most: bounded so a small compressed body cannot grow without end (a zip bomb). */
export const maxDecodedBytes = 1024 * 1024

/**
 * `coding`: the Content-Encoding value (`gzip`, `br`, `gzip, br`, ...). The bytes themselves when there is no coding;
 * undefined when they cannot be decoded (an unknown coding, corrupt or cut bytes, more than `maxDecodedBytes`).
 */
export function decodedContent(bytes: Buffer, coding: string | undefined): Buffer | undefined {
  if (coding === undefined) return bytes
  // Codings are listed in the order they were applied: undone last first (RFC 9110, 8.4).
  const codings = coding
    .split(',')
    .map((each) => each.trim().toLowerCase())
    .filter((each) => each !== '' && each !== 'identity')
  let out = bytes
  for (const each of codings.reverse()) {
    const decoded = decodeOne(out, each)
    if (decoded === undefined) return undefined
    out = decoded
  }
  return out
}

function decodeOne(bytes: Buffer, coding: string): Buffer | undefined {
  const options = { maxOutputLength: maxDecodedBytes }
  try {
    switch (coding) {
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(bytes, options)
      case 'deflate':
        // "deflate" is zlib-wrapped (RFC 9110, 8.4.1.2), but some servers send raw deflate.
        try {
          return inflateSync(bytes, options)
        } catch {
          return inflateRawSync(bytes, options)
        }
      case 'br':
        return brotliDecompressSync(bytes, options)
      default:
        return undefined
    }
  } catch {
    return undefined
  }
}
