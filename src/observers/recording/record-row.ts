// One request record, built from a RequestOutcome by a pure mapping: names and fingerprints, never keys.
import { keyDigest, keyFingerprint } from '../../auth/key-digest.js'
import type { GatewayConfig, RecordsConfig, UpstreamCredential } from '../../config/gateway-config.js'
import type { AttemptOutcome, RequestOutcome } from '../../outcome/request-outcome.js'
import { PriceTable } from '../../spend/price-table.js'
import { requestCost } from '../../spend/request-cost.js'
import { redactedHeadersJson } from './redact-headers.js'
import { storedTextOf, storedTextOfBytes } from './stored-text.js'

export interface RecordedAttempt {
  readonly upstream: string
  /** `skipped_open`: not tried, its breaker was open and an upstream before it answered. */
  readonly outcome: AttemptOutcome | 'skipped_open'
  readonly status: number | null
  readonly error_code: string | null
  readonly duration_ms: number
  /** The fallback model the attempt was for (`model_fallbacks`); absent for the requested model. */
  readonly model?: string
  /** Its retry number on the upstream (`retries`); absent for a first try. */
  readonly retry?: number
  /** Tried though its breaker was open: placed after the others, which failed. */
  readonly breaker_open?: true
}

export interface RecordRow {
  /** Unique per row, so a batch retried after an unacknowledged commit is not stored twice. */
  readonly recordUid: string
  /** The client's x-request-id when it sent one. */
  readonly requestId: string
  /** Wall-clock start, ms since the epoch. */
  readonly createdAt: number
  readonly hostname: string
  readonly method: string
  readonly path: string
  readonly clientIp: string
  readonly userAgent: string
  /** The client key's fingerprint (`key-…`), '' when none was sent. */
  readonly clientKey: string
  readonly model: string
  readonly stream: boolean
  /** Name of the upstream whose answer the client got. */
  readonly upstream: string | null
  readonly upstreamEndpoint: string
  /** The upstream key's fingerprint, `asis`, or ''. */
  readonly upstreamKey: string
  /** The model name that upstream was sent (its `models` mapping of `model`); null when none answered. */
  readonly upstreamModel: string | null
  readonly attempts: readonly RecordedAttempt[]
  readonly status: number
  readonly errorCode: string | null
  readonly firstByteMs: number | null
  readonly totalMs: number
  readonly bytesIn: number
  readonly bytesOut: number
  readonly promptTokens: number | null
  readonly completionTokens: number | null
  readonly totalTokens: number | null
  readonly usageSource: 'reported' | 'estimated' | null
  /** The named key's name (`keys:`); null for a predecessor key or none. Never the key or its digest. */
  readonly keyName: string | null
  /** USD at `prices:` for the usage above; null without usage or a price for the model. */
  readonly costUsd: number | null
  /** '' when not stored. */
  readonly requestBody: string
  readonly response: string
  /** JSON of the redacted request headers; '' when not stored. */
  readonly headers: string
}

export interface RecordContext {
  readonly hostname: string
  readonly policy: RecordsConfig
  /** `policy.redactHeaders` as a set, built once. */
  readonly redact: ReadonlySet<string>
  readonly upstreams: ReadonlyMap<string, RecordedUpstream>
  readonly newRecordUid: () => string
  /** `prices:`, for `costUsd`. */
  readonly prices: PriceTable
}

export interface RecordedUpstream {
  readonly endpoint: string
  readonly keyFingerprint: string
}

/** Built once at start: fingerprints cost a hash, and the upstream keys themselves go no further than this. */
export function recordContextFor(config: GatewayConfig, newRecordUid: () => string, prices: PriceTable = noPrices): RecordContext {
  return {
    hostname: config.hostname,
    policy: config.records,
    redact: new Set(config.records.redactHeaders),
    upstreams: new Map(
      config.upstreams.map((upstream) => [
        upstream.name,
        { endpoint: upstream.endpoint, keyFingerprint: credentialFingerprint(upstream.credential) },
      ]),
    ),
    newRecordUid,
    prices,
  }
}

const noPrices = new PriceTable({})

export function toRecordRow(outcome: RequestOutcome, context: RecordContext): RecordRow {
  const { policy } = context
  const upstream = outcome.upstream === undefined ? undefined : context.upstreams.get(outcome.upstream)
  const usage = outcome.usage
  return {
    recordUid: context.newRecordUid(),
    requestId: outcome.requestId,
    createdAt: outcome.startedAt,
    hostname: context.hostname,
    method: outcome.method,
    path: outcome.path,
    clientIp: outcome.clientIp,
    userAgent: outcome.userAgent,
    clientKey: clientKeyFingerprint(outcome),
    model: outcome.model,
    stream: outcome.stream,
    upstream: outcome.upstream ?? null,
    upstreamEndpoint: upstream?.endpoint ?? '',
    upstreamKey: upstream?.keyFingerprint ?? '',
    upstreamModel: outcome.upstreamModel ?? null,
    attempts: recordedAttempts(outcome),
    status: outcome.status,
    errorCode: outcome.errorCode ?? null,
    firstByteMs: outcome.firstByteMs ?? null,
    totalMs: outcome.totalMs,
    bytesIn: outcome.bytesIn,
    bytesOut: outcome.bytesOut,
    promptTokens: usage?.promptTokens ?? null,
    completionTokens: usage?.completionTokens ?? null,
    totalTokens: usage?.totalTokens ?? null,
    usageSource: usage?.source ?? null,
    keyName: (outcome.identity.kind === 'key' ? outcome.identity.name : undefined) ?? null,
    costUsd: requestCost(context.prices, outcome, usage) ?? null,
    requestBody:
      policy.storeRequestBody && outcome.requestBody !== null ? storedTextOfBytes(outcome.requestBody, policy.maxStoredBytes).text : '',
    response:
      policy.storeResponse && outcome.responseText !== undefined ? storedTextOf(outcome.responseText, policy.maxStoredBytes).text : '',
    headers: policy.storeHeaders ? redactedHeadersJson(outcome.requestHeaders, context.redact) : '',
  }
}

/** Each attempt, then each upstream skipped because its breaker was open and never reached. */
function recordedAttempts(outcome: RequestOutcome): RecordedAttempt[] {
  const skipped = outcome.skippedOpen ?? []
  const attempts = outcome.attempts.map((attempt): RecordedAttempt => ({
    upstream: attempt.upstream,
    outcome: attempt.outcome,
    status: attempt.status ?? null,
    error_code: attempt.errorCode ?? null,
    duration_ms: attempt.durationMs,
    ...(skipped.includes(attempt.upstream) ? { breaker_open: true as const } : {}),
    ...(attempt.model === undefined ? {} : { model: attempt.model }),
    ...(attempt.retry === undefined ? {} : { retry: attempt.retry }),
  }))
  for (const upstream of skipped) {
    if (!outcome.attempts.some((attempt) => attempt.upstream === upstream))
      attempts.push({ upstream, outcome: 'skipped_open', status: null, error_code: null, duration_ms: 0 })
  }
  return attempts
}

/** Known keys carry their fingerprint; an unknown one does too (the edge took it), so failed attempts can be told apart. */
function clientKeyFingerprint(outcome: RequestOutcome): string {
  return outcome.identity.fingerprint ?? ''
}

function credentialFingerprint(credential: UpstreamCredential): string {
  switch (credential.kind) {
    case 'key':
      return keyFingerprint(keyDigest(credential.key))
    case 'client':
      return 'asis'
    case 'none':
      return ''
  }
}
