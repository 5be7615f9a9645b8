// One JSON log line per finished request, at info: ids, route, upstream, status, timings and a named key's name, never keys or bodies.
// Built as a template rather than with JSON.stringify of an object, since it runs for every request: strings
// that need no escaping skip JSON.stringify, and times are written from integers (formatting a float is slow).
import type { Logger } from '../../log/logger.js'
import type { OutcomeObserver, RequestOutcome } from '../../outcome/request-outcome.js'

/** Printable ASCII without `"` and `\\`: the common case, written as is. */
const plainText = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/

function quote(text: string): string {
  return plainText.test(text) ? `"${text}"` : JSON.stringify(text)
}

/** Milliseconds with one decimal (`45.6`): enough for latency, and two integer conversions instead of a float's. */
function ms(value: number): string {
  const tenths = Math.round(value * 10)
  const whole = Math.floor(tenths / 10)
  return `${whole}.${tenths - whole * 10}`
}

export function requestLogObserver(logger: Logger): OutcomeObserver {
  // A reload may change the level: below info, the line's fields are not even built.
  return function logRequest(outcome: RequestOutcome): void {
    if (!logger.enabled('info')) return
    logger.line('info', 'request', requestLogFields(outcome))
  }
}

/**
 * When a token estimate arrives after the request's line was written (the line never waits for it), a line
 * of its own carries the figures, under the same request id.
 */
export function lateUsageLogObserver(logger: Logger): OutcomeObserver {
  return function logLateUsage(outcome: RequestOutcome): void {
    const usage = outcome.usage
    if (usage === undefined || !logger.enabled('info')) return
    logger.line(
      'info',
      'request tokens',
      `"requestId":${quote(outcome.requestId)},"promptTokens":${usage.promptTokens},"completionTokens":${usage.completionTokens},"tokens":"${usage.source}"`,
    )
  }
}

/** The line's fields as JSON without braces. Client-supplied strings (id, path, model) go through JSON escaping. */
export function requestLogFields(outcome: RequestOutcome): string {
  let json = `"requestId":${quote(outcome.requestId)},"method":${quote(outcome.method)},"path":${quote(outcome.path)},"model":${quote(outcome.model)},"stream":${outcome.stream},"status":${outcome.status}`
  if (outcome.errorCode !== undefined) json += `,"errorCode":"${outcome.errorCode}"`
  if (outcome.upstream !== undefined) json += `,"upstream":${quote(outcome.upstream)}`
  // Only when the upstream knows the model by another name (its `models`).
  const upstreamModel = outcome.upstreamModel
  if (upstreamModel !== undefined && upstreamModel !== outcome.model) json += `,"upstreamModel":${quote(upstreamModel)}`
  if (outcome.fallbackModel !== undefined) json += `,"fallbackModel":${quote(outcome.fallbackModel)}`
  json += `,"attempts":${outcome.attempts.length}`
  // Upstreams placed last because their breaker was open.
  if (outcome.skippedOpen !== undefined) json += `,"skippedOpen":${JSON.stringify(outcome.skippedOpen)}`
  if (outcome.firstByteMs !== undefined) json += `,"firstByteMs":${ms(outcome.firstByteMs)}`
  json += `,"totalMs":${ms(outcome.totalMs)}`
  const usage = outcome.usage
  if (usage !== undefined)
    json += `,"promptTokens":${usage.promptTokens},"completionTokens":${usage.completionTokens},"tokens":"${usage.source}"`
  // The key's fingerprint, never the key; a named key's name (`keys:`) beside it.
  const identity = outcome.identity
  json += `,"key":"${identity.kind === 'key' ? identity.fingerprint : 'anonymous'}"`
  if (identity.kind === 'key' && identity.name !== undefined) json += `,"keyName":${quote(identity.name)}`
  json += `,"clientIp":${quote(outcome.clientIp)},"bytesIn":${outcome.bytesIn},"bytesOut":${outcome.bytesOut}`
  return json
}
