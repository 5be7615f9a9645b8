// The only parts of a request body routing needs: model and stream, read by the linear scanner (no JSON.parse).
// The body itself passes through untouched; a JSON body the scanner cannot read is refused.
import { GatewayError } from '../errors/gateway-error.js'
import { scanJsonObjectSoon, type JsonObjectScan, type JsonSpan } from './scan-json-object.js'

export interface RoutingFields {
  /** The JSON body's `model` when it is a non-empty string; undefined otherwise (the URL path routes then). */
  readonly model: string | undefined
  readonly stream: boolean
  /** Where the body's top-level members lie, when the body is a JSON object; undefined for anything else. */
  readonly scan: JsonObjectScan | undefined
}

/** Members the relay looks at: routing, and stream usage (relay/stream-usage-request.ts). */
const members = ['model', 'stream', 'stream_options'] as const

/** No body, or not a JSON object: routed by the URL path. */
export const noRoutingFields: RoutingFields = Object.freeze({ model: undefined, stream: false, scan: undefined })

/** OpenAI's own answer to a body it cannot parse. */
export const unparsableBodyMessage =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)"

/**
 * Throws invalid_request for a body declared or looking like JSON that is not one JSON object: routed by its
 * path, its model unread, it would slip past every model entry of deny, while some upstreams read a model in it
 * all the same (Python's json takes a byte order mark, NaN and Infinity).
 */
export function routingFields(body: Buffer | null, contentType: string | undefined): Promise<RoutingFields> {
  if (body === null || !looksLikeJson(body, contentType)) return Promise.resolve(noRoutingFields)
  const scan = scanJsonObjectSoon(body, members)
  return scan instanceof Promise ? scan.then((done) => fieldsOf(body, done)) : new Promise((resolve) => resolve(fieldsOf(body, scan)))
}

function fieldsOf(body: Buffer, scan: JsonObjectScan | undefined): RoutingFields {
  if (scan === undefined) throw new GatewayError('invalid_request', unparsableBodyMessage)
  const model = scan.fields.get('model')
  const stream = scan.fields.get('stream')
  return { model: model === undefined ? undefined : stringValue(body, model), stream: stream !== undefined && isTrue(body, stream), scan }
}

/** The string a span holds, or undefined when it holds another kind of value (or an empty string). */
export function stringValue(body: Buffer, span: JsonSpan): string | undefined {
  if (body[span.start] !== 0x22 || span.end - span.start <= 2) return undefined
  const raw = body.toString('utf8', span.start + 1, span.end - 1)
  // The scanner has validated the token, so parsing it is safe and flat.
  return raw.includes('\\') ? (JSON.parse(body.toString('utf8', span.start, span.end)) as string) : raw
}

function isTrue(body: Buffer, span: JsonSpan): boolean {
  return span.end - span.start === 4 && body.toString('latin1', span.start, span.end) === 'true'
}

function looksLikeJson(body: Buffer, contentType: string | undefined): boolean {
  // The media type alone: a multipart boundary or a parameter may well contain "json".
  const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase() ?? ''
  if (mediaType.endsWith('/json') || mediaType.endsWith('+json')) return true
  if (mediaType.startsWith('multipart/')) return false
  // A UTF-8 byte order mark is skipped: an upstream may skip it too and read the object after it.
  const start = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0
  for (let i = start; i < body.length; i++) {
    const c = body[i]
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue
    return c === 0x7b /* { */
  }
  return false
}
