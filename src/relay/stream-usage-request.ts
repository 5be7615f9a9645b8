// Asks an OpenAI-compatible upstream to report usage at the end of a stream (stream_options.include_usage),
// changing the client's body as little as possible: one field added or one value replaced, every other byte
// kept. Works on the scanner's positions, so the body is never parsed.
import type { RoutingFields } from '../wire/routing-fields.js'
import { scanJsonObjectInSlices, type JsonSpan } from '../wire/scan-json-object.js'

/** Paths whose streams report usage only when asked. */
const usagePaths = new Set(['/chat/completions', '/completions'])

export interface StreamUsageRequest {
  readonly body: Buffer | null
  /** The client asked for usage itself, so it must receive the usage chunk. */
  readonly clientAskedUsage: boolean
  /** The usage-only chunk of the stream is the gateway's own request, not the client's: the relay drops it. */
  readonly stripUsageChunk: boolean
  /** Where the body's `model` value lies in `body` (moved by the insertion, if any); undefined without one. */
  readonly modelSpan: JsonSpan | undefined
}

/** One span of the body replaced by new text. */
interface Edit {
  readonly span: JsonSpan
  readonly text: string
}

export async function requestStreamUsage(
  path: string,
  body: Buffer | null,
  fields: Pick<RoutingFields, 'stream' | 'scan'>,
): Promise<StreamUsageRequest> {
  const usage = await usageEdit(path, body, fields)
  const model = fields.scan?.fields.get('model')
  const edit = usage.edit
  return {
    body: body === null || edit === undefined ? body : splice(body, edit.span, edit.text),
    clientAskedUsage: usage.clientAskedUsage,
    stripUsageChunk: fields.stream && !usage.clientAskedUsage,
    modelSpan: model === undefined || edit === undefined ? model : movedBy(model, edit),
  }
}

/** A span of the body after `edit`: the two never overlap (they belong to different members). */
function movedBy(span: JsonSpan, edit: Edit): JsonSpan {
  if (span.start < edit.span.start) return span
  const shift = edit.text.length - (edit.span.end - edit.span.start)
  return { start: span.start + shift, end: span.end + shift }
}

async function usageEdit(
  path: string,
  body: Buffer | null,
  fields: Pick<RoutingFields, 'stream' | 'scan'>,
): Promise<{ readonly edit?: Edit; readonly clientAskedUsage: boolean }> {
  const scan = fields.scan
  if (body === null || scan === undefined || !fields.stream || !usagePaths.has(pathWithoutQuery(path))) {
    return { clientAskedUsage: false }
  }
  const options = scan.fields.get('stream_options')
  if (options === undefined) {
    return {
      edit: { span: { start: scan.open + 1, end: scan.open + 1 }, text: '"stream_options":{"include_usage":true},' },
      clientAskedUsage: false,
    }
  }
  // `null` is replaced rather than shadowed: with duplicate keys the upstream would read the last one.
  if (isLiteral(body, options, 'null')) return { edit: { span: options, text: '{"include_usage":true}' }, clientAskedUsage: false }
  if (body[options.start] !== 0x7b /* { */) return { clientAskedUsage: false }
  const value = body.subarray(options.start, options.end)
  const inner = await scanJsonObjectInSlices(value, ['include_usage'])
  if (inner === undefined) return { clientAskedUsage: false }
  const usage = inner.fields.get('include_usage')
  if (usage !== undefined && isLiteral(value, usage, 'true')) return { clientAskedUsage: true }
  if (usage !== undefined) {
    return { edit: { span: { start: options.start + usage.start, end: options.start + usage.end }, text: 'true' }, clientAskedUsage: false }
  }
  const at = options.start + inner.open + 1
  return {
    edit: { span: { start: at, end: at }, text: inner.empty ? '"include_usage":true' : '"include_usage":true,' },
    clientAskedUsage: false,
  }
}

function pathWithoutQuery(path: string): string {
  const q = path.indexOf('?')
  return q === -1 ? path : path.slice(0, q)
}

function isLiteral(body: Buffer, span: JsonSpan, literal: string): boolean {
  return span.end - span.start === literal.length && body.toString('latin1', span.start, span.end) === literal
}

/** The body with `span` replaced by `text`. */
function splice(body: Buffer, span: JsonSpan, text: string): Buffer {
  return Buffer.concat([body.subarray(0, span.start), Buffer.from(text), body.subarray(span.end)])
}
