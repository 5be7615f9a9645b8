// `GET /v1/usage`: the gateway's own endpoint where a key reads its limits, what is left of each window and period,
// and its spend so far. A predecessor key has no limits and says so; a request without a known key gets a 401.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Authenticator } from '../auth/authenticate.js'
import type { KeyLimits } from '../config/gateway-config.js'
import type { KeyUsage, LimitStore, WindowStatus } from '../limits/limit-store.js'
import { GatewayError } from '../errors/gateway-error.js'
import { LimitStoreUnavailableError } from '../limits/resilient-limit-store.js'
import { formatResetDuration, retryAfterSeconds } from '../wire/retry-after.js'
import { sendJson } from '../wire/send-error.js'
import { unauthorized } from './admit-request.js'

export const usagePath = '/v1/usage'

export interface UsageRouteDeps {
  readonly authenticator: Authenticator
  readonly limitStore: LimitStore | undefined
}

export async function answerUsage(deps: UsageRouteDeps, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  req.resume()
  const identity = deps.authenticator.authenticate(req.headers.authorization)
  if (identity.kind !== 'key') {
    const error = unauthorized(identity)
    sendJson(res, error.status, error.toBody(), requestId)
    return
  }
  const named = identity.named
  if (named === undefined) {
    sendJson(res, 200, JSON.stringify({ object: 'gateway.usage', key: null, fingerprint: identity.fingerprint, limits: {} }), requestId)
    return
  }
  let usage: KeyUsage | undefined
  try {
    usage = deps.limitStore === undefined ? undefined : await deps.limitStore.usage(named.name, named.limits)
  } catch (error) {
    if (!(error instanceof LimitStoreUnavailableError)) throw error
    const unavailable = new GatewayError('limit_store_unavailable', 'The limits of this key cannot be read right now; retry in 1s.', {
      retryAfterMs: error.retryAfterMs,
    })
    sendJson(res, unavailable.status, unavailable.toBody(), requestId, ['retry-after', retryAfterSeconds(error.retryAfterMs)])
    return
  }
  const body = {
    object: 'gateway.usage',
    key: named.name,
    limits: limitsJson(named.limits),
    ...(usage === undefined ? {} : usageJson(usage)),
  }
  sendJson(res, 200, JSON.stringify(body), requestId)
}

function limitsJson(limits: KeyLimits): Record<string, unknown> {
  return {
    rpm: limits.rpm ?? null,
    tpm: limits.tpm ?? null,
    max_concurrent: limits.maxConcurrent ?? null,
    budget_usd: limits.budgetUsd ?? null,
    budget_tokens: limits.budgetTokens ?? null,
    budget_period: limits.budgetPeriod,
  }
}

function usageJson(usage: KeyUsage): Record<string, unknown> {
  const { budget } = usage
  return {
    requests: windowJson(usage.requests),
    tokens: windowJson(usage.tokens),
    concurrent: usage.concurrent === undefined ? null : { limit: usage.concurrent.limit, in_flight: usage.concurrent.inFlight },
    budget: {
      period: budget.period,
      starts_at: new Date(budget.startsAt).toISOString(),
      ends_at: budget.endsAt === undefined ? null : new Date(budget.endsAt).toISOString(),
      spent_usd: roundUsd(budget.spentUsd),
      spent_tokens: budget.spentTokens,
      limit_usd: budget.limitUsd ?? null,
      limit_tokens: budget.limitTokens ?? null,
      remaining_usd: budget.limitUsd === undefined ? null : roundUsd(Math.max(0, budget.limitUsd - budget.spentUsd)),
      remaining_tokens: budget.limitTokens === undefined ? null : Math.max(0, budget.limitTokens - budget.spentTokens),
    },
  }
}

function windowJson(window: WindowStatus | undefined): Record<string, unknown> | null {
  if (window === undefined) return null
  return { limit: window.limit, remaining: window.remaining, reset: formatResetDuration(window.resetMs) }
}

/** Sums of prices carry binary noise (0.000004500000000000001): a nano-dollar is precision enough. */
function roundUsd(usd: number): number {
  return Math.round(usd * 1e9) / 1e9
}
