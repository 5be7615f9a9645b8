// When an upstream says it can take requests again: `Retry-After` (RFC 9110 §10.2.3, delay-seconds or an HTTP date)
// and OpenAI's `x-ratelimit-reset-requests` / `x-ratelimit-reset-tokens` (Go durations such as `1s`, `6m0s`, `20ms`).

/** Statuses whose `Retry-After` tells the gateway to leave the upstream alone until then. */
export function isBackOffStatus(status: number): boolean {
  return status === 429 || status === 503
}

/** `Retry-After`: whole (or, leniently, fractional) seconds, or an HTTP date read against `wallNow`; undefined when unreadable. */
export function parseRetryAfterMs(value: string, wallNow: number): number | undefined {
  const text = value.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  // Date.parse reads the IMF-fixdate form and the two obsolete forms RFC 9110 asks recipients to accept.
  if (!/[a-z]/i.test(text)) return undefined
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - wallNow)
}

const durationUnitsMs: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 }

/** A Go duration as OpenAI writes its rate-limit resets: `1s`, `6m0s`, `20ms`, `1h2m3.5s`; undefined when unreadable. */
export function parseResetDurationMs(value: string): number | undefined {
  const text = value.trim()
  if (!/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(text)) return undefined
  let total = 0
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g))
    total += Number(part[1]) * (durationUnitsMs[part[2] as string] ?? 0)
  return Math.ceil(total)
}

/**
 * How long a 429 or 503 answer asks the gateway to wait, from its flat, lower-case header list: `Retry-After` when it
 * is readable, else the longest of the `x-ratelimit-reset-*` headers; undefined for other statuses or without a signal.
 */
export function backOffDelayMs(status: number, headers: readonly string[], wallNow: number): number | undefined {
  if (!isBackOffStatus(status)) return undefined
  let reset: number | undefined
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]
    const value = headers[i + 1] as string
    if (name === 'retry-after') {
      const delay = parseRetryAfterMs(value, wallNow)
      if (delay !== undefined) return delay
    } else if (name === 'x-ratelimit-reset-requests' || name === 'x-ratelimit-reset-tokens') {
      const delay = parseResetDurationMs(value)
      if (delay !== undefined) reset = Math.max(reset ?? 0, delay)
    }
  }
  return reset
}

/** The `Retry-After` value for a delay: whole seconds, rounded up, at least 1. */
export function retryAfterSeconds(delayMs: number): string {
  return String(Math.max(1, Math.ceil(delayMs / 1000)))
}

/**
 * A delay as OpenAI writes `x-ratelimit-reset-*`: a Go duration (`20ms`, `1s`, `1.5s`, `6m0s`, `1h2m3.25s`), read back
 * by parseResetDurationMs. Below a second it is whole milliseconds; above, seconds keep up to three decimals.
 */
export function formatResetDuration(delayMs: number): string {
  const ms = Math.max(0, Math.ceil(delayMs))
  if (ms < 1000) return `${ms}ms`
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const seconds = String((ms % 60_000) / 1000)
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`
  if (minutes > 0) return `${minutes}m${seconds}s`
  return `${seconds}s`
}
