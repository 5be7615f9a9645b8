// Asks an OpenAI-compatible upstream to report usage at the end of a stream (stream_options.include_usage),
// changing the client's body as little as possible: one field added, every other byte kept.

/** Paths whose streams report usage only when asked. */
const usagePaths = new Set(['/chat/completions', '/completions'])

export interface StreamUsageRequest {
  readonly body: Buffer | null
  /** The client asked for usage itself, so it must receive the usage chunk. */
  readonly clientAskedUsage: boolean
}

export function requestStreamUsage(path: string, body: Buffer | null, json: Readonly<Record<string, unknown>> | null): StreamUsageRequest {
  if (body === null || json === null || json['stream'] !== true || !usagePaths.has(pathWithoutQuery(path))) {
    return { body, clientAskedUsage: false }
  }
  const options = json['stream_options']
  if (options === undefined || options === null) {
    return { body: insertAfterOpeningBrace(body, '"stream_options":{"include_usage":true},'), clientAskedUsage: false }
  }
  if (typeof options === 'object' && (options as { include_usage?: unknown }).include_usage === true) {
    return { body, clientAskedUsage: true }
  }
  if (typeof options !== 'object' || Array.isArray(options)) return { body, clientAskedUsage: false }
  return {
    body: Buffer.from(JSON.stringify({ ...json, stream_options: { ...(options as object), include_usage: true } })),
    clientAskedUsage: false,
  }
}

function pathWithoutQuery(path: string): string {
  const q = path.indexOf('?')
  return q === -1 ? path : path.slice(0, q)
}

function insertAfterOpeningBrace(body: Buffer, field: string): Buffer {
  const brace = body.indexOf(0x7b /* { */)
  return Buffer.concat([body.subarray(0, brace + 1), Buffer.from(field), body.subarray(brace + 1)])
}
