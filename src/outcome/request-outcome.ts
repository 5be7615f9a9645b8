// RequestOutcome: what happened to one client request, known only when its response body has ended.
import type { IncomingHttpHeaders } from 'node:http'
import type { ErrorCode } from '../errors/error-codes.js'

/** `internal_error`: the gateway's own bug ended the attempt; it says nothing about the upstream. */
export type AttemptOutcome = 'ok' | 'failed' | 'client_closed' | 'internal_error'

export interface AttemptRecord {
  /** The upstream's name (never its key). */
  readonly upstream: string
  readonly upstreamIndex: number
  readonly outcome: AttemptOutcome
  /** The upstream's HTTP status when it answered. */
  readonly status: number | undefined
  readonly errorCode: ErrorCode | undefined
  readonly durationMs: number
  /** The client model this attempt was for, when it was a fallback (`model_fallbacks`) rather than the requested one. */
  readonly model?: string
  /** This attempt retried the upstream's previous one: 1 for the first retry (`retries`); unset for a first try. */
  readonly retry?: number
}

export interface RequestOutcome {
  readonly requestId: string
  /** Wall-clock start, ms since the epoch. */
  readonly startedAt: number
  readonly method: string
  /** The client path, e.g. `/v1/chat/completions`. */
  readonly path: string
  readonly clientIp: string
  readonly userAgent: string
  /** Who asked: a key's fingerprint, never the key or its full digest. */
  readonly identity: OutcomeIdentity
  readonly model: string
  readonly stream: boolean
  /** The upstream whose answer the client got, if any. */
  readonly upstream: string | undefined
  /**
   * The model name that upstream was sent: `model` unless its `models` maps it to a name of its own; undefined
   * when no upstream answered (or the outcome predates model mapping).
   */
  readonly upstreamModel?: string | undefined
  /** The fallback model (`model_fallbacks`) whose upstream answered, when it was not the requested `model`. */
  readonly fallbackModel?: string | undefined
  readonly attempts: readonly AttemptRecord[]
  /**
   * Upstreams placed after the others because their breaker was open (tried only if those failed; those tried
   * are in `attempts` too). Absent when none was.
   */
  readonly skippedOpen?: readonly string[]
  readonly status: number
  readonly errorCode: ErrorCode | undefined
  /** From the start of the request until the first response byte was sent; undefined if none was. */
  readonly firstByteMs: number | undefined
  readonly totalMs: number
  readonly bytesIn: number
  readonly bytesOut: number
  /** Request body, when it was JSON (kept for records). */
  readonly requestBody: Buffer | null
  /** The client's request headers, with credentials already replaced by `[redacted]` at the edge. */
  readonly requestHeaders: IncomingHttpHeaders
  /** Token usage, when the answer was a chat or text completion. */
  readonly usage: TokenUsage | undefined
  /**
   * What the client was answered, for records: non-stream, the first choice's message content (or the
   * raw body for other text/JSON answers); stream, the concatenated deltas, tool calls included. Without the
   * upstream's secrets or (with `sk: asis`) the client's key, which an upstream may quote in any answer.
   */
  readonly responseText: string | undefined
}

export type OutcomeIdentity =
  /** `name`: a named key's (`keys:`), shown instead of the fingerprint where people read it. */
  | { readonly kind: 'key'; readonly fingerprint: string; readonly name?: string }
  /** `fingerprint`: of a key that was presented but is not known. */
  | { readonly kind: 'anonymous'; readonly fingerprint?: string }

export interface TokenUsage {
  readonly promptTokens: number
  readonly completionTokens: number
  readonly totalTokens: number
  /** Of `promptTokens`, those read from the upstream's prompt cache (priced apart); absent when not reported. */
  readonly cachedPromptTokens?: number
  /** `reported` by the upstream, or `estimated` by the gateway's tokenizer when it reported none. */
  readonly source: 'reported' | 'estimated'
}

export type OutcomeObserver = (outcome: RequestOutcome) => void
