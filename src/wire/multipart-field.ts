// One small text field of a multipart/form-data body (RFC 7578), e.g. the `model` of an audio transcription or an
// image edit: found by scanning the parts' headers, without parsing the files around it.

/** The boundary of a `multipart/form-data` content type, or undefined for any other type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^\s*multipart\/form-data\s*;/i.test(contentType)) return undefined
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType)
  return match?.[1] ?? match?.[2]
}

/**
 * The value of the first part named `name` without a filename, at most `maxBytes` long (a longer one, or a body that
 * is not multipart, gives undefined).
 */
export function multipartField(body: Buffer, contentType: string | undefined, name: string, maxBytes = 256): string | undefined {
  const boundary = multipartBoundary(contentType)
  if (boundary === undefined) return undefined
  const delimiter = Buffer.from(`--${boundary}`)
  let at = body.indexOf(delimiter)
  while (at !== -1) {
    const headersStart = body.indexOf('\r\n', at + delimiter.length)
    if (headersStart === -1) return undefined
    const headersEnd = body.indexOf('\r\n\r\n', headersStart)
    if (headersEnd === -1) return undefined
    const next = body.indexOf(delimiter, headersEnd + 4)
    if (next === -1) return undefined
    const headers = body.toString('latin1', headersStart + 2, headersEnd)
    const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(headers)?.[1] ?? ''
    const partName = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1]
    if (partName === name && !/(?:^|;)\s*filename\*?=/i.test(disposition)) {
      // The value ends with the CRLF that precedes the next delimiter.
      const valueEnd = next - 2
      if (valueEnd - (headersEnd + 4) > maxBytes) return undefined
      return body.toString('utf8', headersEnd + 4, Math.max(headersEnd + 4, valueEnd))
    }
    at = next
  }
  return undefined
}
