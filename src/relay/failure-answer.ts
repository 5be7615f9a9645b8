// What the client gets when every attempt failed: the last upstream's own answer when it gave one
// (its status, its OpenAI-shaped body), else a gateway error that names no upstream and no key; and the
// error event that ends a stream broken after its commit point, which names none either.
import type { UpstreamConfig } from '../config/gateway-config.js'
import { GatewayError } from '../errors/gateway-error.js'
import { connectionTokens, hopByHopHeaders } from '../http/hop-by-hop.js'
import type { UpstreamAnswer } from './attempt.js'

export interface FailureAnswer {
  readonly status: number
  /** Upstream headers worth keeping (retry-after, x-ratelimit-*, ...), flat name/value list. */
  readonly headers: string[]
  readonly body: Buffer
}

const replacedHeaders = new Set(['content-length', 'content-type', 'content-encoding'])

export function failureAnswer(error: GatewayError, answer: UpstreamAnswer | undefined, upstream: UpstreamConfig | undefined, attempts: number): FailureAnswer {
  if (answer !== undefined) {
    return { status: answer.status, headers: keptHeaders(answer.headers), body: answerBody(answer, upstream) }
  }
  const clientError = new GatewayError(error.code, genericMessage(error, attempts), { status: error.status })
  return { status: clientError.status, headers: [], body: Buffer.from(clientError.toBody()) }
}

function answerBody(answer: UpstreamAnswer, upstream: UpstreamConfig | undefined): Buffer {
  let text = answer.body.toString('utf8')
  // An upstream may echo its key in an auth error; the client must never see it.
  if (upstream !== undefined && upstream.credential.kind === 'key' && upstream.credential.key !== '') {
    text = text.split(upstream.credential.key).join('[redacted]')
  }
  if (isOpenAIErrorBody(text)) return Buffer.from(text)
  const snippet = text.length > 512 ? `${text.slice(0, 512)}…` : text
  const wrapped = new GatewayError('upstream_status', `The upstream answered ${answer.status}${snippet.trim() === '' ? '' : `: ${snippet.trim()}`}`, { status: answer.status })
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

/** The error event for a stream that broke after its commit point: the failure's code, a message for the client. */
export function interruptedStreamError(error: GatewayError): GatewayError {
  return new GatewayError(error.code, interruptionMessage(error), { status: error.status })
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
    case 'shutting_down':
      return 'The gateway is shutting down: the answer was cut before it ended'
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
    case 'shutting_down':
      return 'The gateway is shutting down: the request was stopped before the upstream answered'
    default:
      return `${which} failed`
  }
}
