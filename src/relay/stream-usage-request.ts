// Asks an OpenAI-compatible upstream to report usage at the end of a stream (stream_options.include_usage),
// changing the client's body as little as possible: one field added or one value replaced, every other byte
// kept. Works on the scanner's positions, so the body is never parsed.
import type { RoutingFields } from '../wire/routing-fields.js'
import { scanJsonObjectSoon, type JsonObjectScan, type JsonSpan } from '../wire/scan-json-object.js'

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

export function requestStreamUsage(
  path: string,
  body: Buffer | null,
  fields: Pick<RoutingFields, 'stream' | 'scan'>,
): Promise<StreamUsageRequest> {
  // No promise chain for the common cases (no stream, no stream_options of the client's own): one settled promise.
  const usage = usageEdit(path, body, fields)
  return usage instanceof Promise
    ? usage.then((edit) => usageRequest(body, fields, edit))
    : Promise.resolve(usageRequest(body, fields, usage))
}

function usageRequest(body: Buffer | null, fields: Pick<RoutingFields, 'stream' | 'scan'>, usage: UsageEdit): StreamUsageRequest {
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

/** What to change in the body, if anything, and whether the client asked for usage itself. */
interface UsageEdit {
  readonly edit?: Edit
  readonly clientAskedUsage: boolean
}

const noEdit: UsageEdit = { clientAskedUsage: false }
const includeUsage = ['include_usage']

function usageEdit(path: string, body: Buffer | null, fields: Pick<RoutingFields, 'stream' | 'scan'>): UsageEdit | Promise<UsageEdit> {
  const scan = fields.scan
  if (body === null || scan === undefined || !fields.stream || !usagePaths.has(pathWithoutQuery(path))) return noEdit
  const options = scan.fields.get('stream_options')
  if (options === undefined) {
    return {
      edit: { span: { start: scan.open + 1, end: scan.open + 1 }, text: '"stream_options":{"include_usage":true},' },
      clientAskedUsage: false,
    }
  }
  // `null` is replaced rather than shadowed: with duplicate keys the upstream would read the last one.
  if (isLiteral(body, options, 'null')) return { edit: { span: options, text: '{"include_usage":true}' }, clientAskedUsage: false }
  if (body[options.start] !== 0x7b /* { */) return noEdit
  const value = body.subarray(options.start, options.end)
  const inner = scanJsonObjectSoon(value, includeUsage)
  return inner instanceof Promise ? inner.then((scanned) => innerEdit(value, options, scanned)) : innerEdit(value, options, inner)
}

/** The edit inside the client's own `stream_options` object (`value`, at `options` in the body). */
function innerEdit(value: Buffer, options: JsonSpan, inner: JsonObjectScan | undefined): UsageEdit {
  if (inner === undefined) return noEdit
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
