// What the client gets when every attempt failed: the last upstream's own answer when it gave one
// (its status, its OpenAI-shaped body), else a gateway error that names no upstream and no key; and the
// error event that ends a stream broken after its commit point, which names none either.
import { GatewayError } from '../errors/gateway-error.js'
import { connectionTokens, hopByHopHeaders } from '../wire/hop-by-hop.js'
import type { UpstreamAnswer } from './body-sink.js'
import type { SecretRedactor } from '../secrets/secret-redactor.js'

export interface FailureAnswer {
  readonly status: number
  /** Upstream headers worth keeping (retry-after, x-ratelimit-*, ...), flat name/value list. */
  readonly headers: string[]
  readonly body: Buffer
}

const replacedHeaders = new Set(['content-length', 'content-type', 'content-encoding'])

/** `redactor`: the secrets of the upstream that gave `answer`, which may echo its key in an auth error or a header. */
export function failureAnswer(
  error: GatewayError,
  answer: UpstreamAnswer | undefined,
  redactor: SecretRedactor,
  attempts: number,
): FailureAnswer {
  if (answer !== undefined) {
    return { status: answer.status, headers: redactor.redactHeaders(keptHeaders(answer.headers)), body: answerBody(answer, redactor) }
  }
  const clientError = new GatewayError(error.code, genericMessage(error, attempts), { status: error.status })
  return { status: clientError.status, headers: [], body: Buffer.from(clientError.toBody()) }
}

function answerBody(answer: UpstreamAnswer, redactor: SecretRedactor): Buffer {
  const text = redactor.redactText(answer.body.toString('utf8'))
  if (isOpenAIErrorBody(text)) return Buffer.from(text)
  const snippet = text.length > 512 ? `${text.slice(0, 512)}…` : text
  const wrapped = new GatewayError(
    'upstream_status',
    `The upstream answered ${answer.status}${snippet.trim() === '' ? '' : `: ${snippet.trim()}`}`,
    { status: answer.status },
  )
  return Buffer.from(wrapped.toBody())
}

function isOpenAIErrorBody(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== 'object' || parsed === null) return false
    const error = (parsed as { error?: unknown }).error
    return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string'
  } catch {
    return false
  }
}

function keptHeaders(headers: readonly string[]): string[] {
  const out: string[] = []
  let dropped: string[] = []
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === 'connection') dropped = connectionTokens(headers[i + 1])
  }
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string
    if (hopByHopHeaders.has(name) || replacedHeaders.has(name) || name.startsWith('access-control-') || dropped.includes(name)) continue
    out.push(name === 'x-request-id' ? 'x-upstream-request-id' : name, headers[i + 1] as string)
  }
  return out
}

/**
 * The error event's body for a stream that broke after its commit point: the upstream's own error when it reported
 * one (its message, type and code, cut of its secrets), else the failure's code and a message for the client.
 */
export function interruptedStreamErrorBody(error: GatewayError, redactor: SecretRedactor): string {
  const reported = error.reported
  if (reported !== undefined) {
    const { message, type, param, code } = reported
    return redactor.redactText(JSON.stringify({ error: { message, type, param, code } }))
  }
  return new GatewayError(error.code, interruptionMessage(error), { status: error.status }).toBody()
}

function interruptionMessage(error: GatewayError): string {
  switch (error.code) {
    case 'upstream_timeout':
      return 'The upstream did not finish its answer in time'
    case 'upstream_idle_timeout':
      return 'The upstream stopped sending in the middle of its answer'
    case 'upstream_reset':
      return 'The upstream closed the connection in the middle of its answer'
    case 'upstream_truncated':
      return 'The upstream ended its answer before it was complete'
    case 'upstream_unsupported':
      return `The upstream's answer cannot be relayed: ${error.message}`
    case 'upstream_bad_response':
      return 'The upstream sent an answer the gateway cannot relay (malformed, or larger than the gateway allows)'
    case 'shutting_down':
      return 'The gateway is shutting down: the answer was cut before it ended'
    case 'internal_error':
      return 'The gateway failed in the middle of the answer; its log has the details under this request id'
    default:
      return 'The upstream failed in the middle of its answer'
  }
}

function genericMessage(error: GatewayError, attempts: number): string {
  const which = attempts > 1 ? `All ${attempts} upstreams failed; the last one` : 'The upstream'
  switch (error.code) {
    case 'upstream_timeout':
      return `${which} did not answer in time`
    case 'upstream_idle_timeout':
      return `${which} stopped sending in the middle of its answer`
    case 'upstream_connect_error':
      return `${which} could not be reached`
    case 'upstream_reset':
      return `${which} closed the connection before answering`
    case 'upstream_truncated':
      return `${which} ended its stream before sending anything`
    case 'upstream_unsupported':
      // Written for clients by the adapters (what could not be translated); it names no upstream.
      return `${which} cannot serve this request: ${error.message}`
    case 'upstream_bad_response':
      return `${which} sent an answer that cannot be relayed`
    case 'shutting_down':
      return 'The gateway is shutting down: the request was stopped before the upstream answered'
    case 'internal_error':
      // The gateway's fault, not an upstream's: it names no upstream and nothing internal.
      return 'The gateway failed while handling this request; its log has the details under this request id'
    default:
      return `${which} failed`
  }
}
