// Synthetic finished requests for the observer micro-benchmark: a mix of plain, streamed, failed-over and refused requests.
import type { AttemptRecord, RequestOutcome } from '../src/outcome/request-outcome.js'

const models = ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet', 'some-unlisted-model']
const upstreams = ['primary', 'backup', 'azure-east']

export const sampleModels: readonly string[] = models.slice(0, 3)

export function sampleOutcomes(count: number): RequestOutcome[] {
  const outcomes: RequestOutcome[] = []
  for (let i = 0; i < count; i++) {
    const kind = i % 20
    const model = models[i % models.length] as string
    const first = upstreams[i % upstreams.length] as string
    const second = upstreams[(i + 1) % upstreams.length] as string
    const ok = (upstream: string, durationMs: number): AttemptRecord => ({
      upstream,
      upstreamIndex: 0,
      outcome: 'ok',
      status: 200,
      errorCode: undefined,
      durationMs,
    })
    const failed = (upstream: string): AttemptRecord => ({
      upstream,
      upstreamIndex: 1,
      outcome: 'failed',
      status: 503,
      errorCode: 'upstream_status',
      durationMs: 3,
    })
    // 17 of 20 plain or streamed successes, 2 failovers, 1 refused before any attempt.
    const attempts = kind === 19 ? [] : kind >= 17 ? [failed(first), ok(second, 40)] : [ok(first, 30 + (i % 50))]
    outcomes.push({
      requestId: `req-${i}`,
      startedAt: 1_700_000_000_000 + i,
      method: 'POST',
      path: kind === 16 ? '/v1/embeddings' : '/v1/chat/completions',
      clientIp: '127.0.0.1',
      userAgent: 'bench',
      identity: { kind: 'key', fingerprint: 'key-dddddddddddd' },
      model,
      stream: i % 3 === 0,
      upstream: attempts.length === 0 ? undefined : (attempts[attempts.length - 1] as AttemptRecord).upstream,
      attempts,
      status: kind === 19 ? 401 : 200,
      errorCode: kind === 19 ? 'invalid_api_key' : undefined,
      firstByteMs: kind === 19 ? undefined : 12 + (i % 7),
      totalMs: kind === 19 ? 0.4 : 35 + (i % 60),
      bytesIn: 900,
      bytesOut: 1400,
      requestBody: null,
      requestHeaders: {},
      usage:
        kind === 19
          ? undefined
          : {
              promptTokens: 20,
              completionTokens: 40 + (i % 9),
              totalTokens: 60 + (i % 9),
              source: i % 10 === 0 ? 'estimated' : 'reported',
            },
      responseText: undefined,
    })
  }
  return outcomes
}
