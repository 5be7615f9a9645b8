// Where a plain (not SSE) 2xx answer commits. A JSON answer to a non-stream request commits at its end, so one cut
// short still fails over instead of reaching the client truncated; the client reads it only whole anyway. Any other
// answer (audio, files, binary) commits at its first byte: a client may play or save it as it comes.

/** `application/json` or any `application/<x>+json` (RFC 6839), whatever its parameters and case. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const semicolon = contentType.indexOf(';')
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

/** True when a 2xx plain answer is held to its end (up to max_held_body) before the client gets any of it. */
export function commitsAtBodyEnd(stream: boolean, contentType: string | undefined): boolean {
  return !stream && isJsonMediaType(contentType)
}
