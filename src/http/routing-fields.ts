// The only parts of a request body routing needs: model and stream. The body itself passes through untouched.

export interface RoutingFields {
  /** The JSON `model`, else the URL path (e.g. `/v1/audio/transcriptions`), as the predecessor did. */
  readonly model: string
  readonly stream: boolean
  readonly json: Readonly<Record<string, unknown>> | null
}

export function routingFields(body: Buffer | null, contentType: string | undefined, pathname: string): RoutingFields {
  if (body !== null && looksLikeJson(body, contentType)) {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'))
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        const json = parsed as Record<string, unknown>
        const model = json['model']
        return {
          model: typeof model === 'string' && model !== '' ? model : pathname,
          stream: json['stream'] === true,
          json,
        }
      }
    } catch {
      // Not JSON after all: route by path, pass the body through as it is.
    }
  }
  return { model: pathname, stream: false, json: null }
}

function looksLikeJson(body: Buffer, contentType: string | undefined): boolean {
  if (contentType !== undefined && contentType.includes('json')) return true
  if (contentType !== undefined && contentType.startsWith('multipart/')) return false
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue
    return c === 0x7b /* { */
  }
  return false
}
