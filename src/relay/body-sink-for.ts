// Which sink takes an answer's body, chosen once from its status and headers: an answer that fails over is kept
// (error body); a 2xx stream is read event by event (SSE); any other 2xx body is relayed as it is (direct, held to its
// end when a non-stream JSON answer); any other status the client gets is searched for secrets (redacted).
import type { UpstreamConfig } from '../config/gateway-config.js'
import type { UpstreamRequest } from '../providers/provider-adapter.js'
import type { StreamDialect } from '../streaming/stream-dialect.js'
import { commitsAtBodyEnd } from './body-commit-point.js'
import type { AttemptContext, BodySink } from './body-sink.js'
import { headerOf } from './client-response-headers.js'
import { contextLengthFailure } from './context-length-answer.js'
import { DirectBodySink } from './direct-body-sink.js'
import { ErrorBodySink } from './error-body-sink.js'
import { statusFailsOver } from './failover-policy.js'
import { HeldBody } from './held-body.js'
import { RedactedBodySink } from './redacted-body-sink.js'
import { RedactingBody } from './redacting-body.js'
import { SseSink } from './sse-sink.js'

/** What the attempt was asked to do, as far as choosing and making its sink goes. */
export interface BodySinkSettings {
  readonly request: UpstreamRequest
  readonly upstream: UpstreamConfig
  readonly dialect: StreamDialect
  readonly stripUsageChunk: boolean
  /** A 400 `context_length_exceeded` fails over to the fallback models instead of reaching the client. */
  readonly contextLengthFallsBack?: boolean
}

export function bodySinkFor(context: AttemptContext, status: number, headers: readonly string[], settings: BodySinkSettings): BodySink {
  const { upstream, dialect, stripUsageChunk } = settings
  const redactor = context.redactor
  if (statusFailsOver(status)) return new ErrorBodySink(upstream.name, status, headers)
  if (status < 200 || status >= 300) {
    const body = new RedactingBody(redactor, headerOf(headers, 'content-encoding'))
    if (status !== 400 || settings.contextLengthFallsBack !== true) return new RedactedBodySink(context, body, status)
    // Decoded and redacted already: the client may still get it, through failure-answer.ts, when no fallback serves.
    return new RedactedBodySink(context, body, status, (whole) => contextLengthFailure(upstream.name, { status, headers, body: whole }))
  }
  const contentType = headerOf(headers, 'content-type')
  if (isEventStream(contentType)) {
    return new SseSink(context, { upstreamName: upstream.name, dialect, stripUsageChunk, maxEventBytes: upstream.maxEventBytes, redactor })
  }
  const held = commitsAtBodyEnd(settings.request.stream, contentType) ? new HeldBody(upstream.maxHeldBodyBytes) : undefined
  return new DirectBodySink(context, held)
}

/** Media types are case-insensitive (RFC 9110, 8.3.1): `Text/Event-Stream` is a stream too. */
function isEventStream(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.trimStart().toLowerCase().startsWith('text/event-stream')
}
