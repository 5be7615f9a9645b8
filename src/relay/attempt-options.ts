// What an attempt is given and what it ends with: the relay's side of relay/attempt.ts.
import type { ServerResponse } from 'node:http'
import type { UpstreamConfig } from '../config/gateway-config.js'
import type { GatewayError } from '../errors/gateway-error.js'
import type { ProviderAdapter, UpstreamRequest } from '../providers/provider-adapter.js'
import type { StreamDialect } from '../streaming/stream-dialect.js'
import type { Clock } from '../time/clock.js'
import type { CapturedResponse } from '../tokens/response-capture.js'
import type { DeadlineSettings } from './attempt-deadlines.js'
import type { UpstreamAnswer } from './body-sink.js'

export type AttemptResult =
  /** The response reached the client; `error` is set when it failed after the commit point. */
  | {
      readonly kind: 'committed'
      readonly status: number
      readonly error: GatewayError | undefined
      readonly firstByteMs: number
      /** Usage and text read from the answer as it passed, for records. */
      readonly captured: CapturedResponse
    }
  | { readonly kind: 'failed'; readonly error: GatewayError; readonly answer: UpstreamAnswer | undefined }

export interface AttemptOptions {
  readonly request: UpstreamRequest
  readonly upstream: UpstreamConfig
  readonly adapter: ProviderAdapter
  readonly res: ServerResponse
  readonly deadlines: DeadlineSettings
  readonly clock: Clock
  /** Ask the client to close its connection (the gateway is draining). */
  readonly closeConnection: boolean
  /** The gateway asked the upstream for stream usage the client did not ask for: drop the usage-only chunk. */
  readonly stripUsageChunk: boolean
  /** Which commit rule a stream answer follows (chosen from the request's path). */
  readonly dialect: StreamDialect
  /** Called at the commit point (for the debug log); unset when nothing listens. */
  readonly onCommit?: () => void
  /** The gateway's own headers on a relayed answer (`x-openai-api-route-model`). */
  readonly extraHeaders?: readonly string[]
  /** Upstream headers the gateway answers for itself and drops from a relayed answer (`x-ratelimit-*` of a limited key). */
  readonly replacedHeaders?: readonly string[]
  /** A 400 `context_length_exceeded` fails over to the fallback models instead of reaching the client. */
  readonly contextLengthFallsBack?: boolean
}
