// The Replicate adapter: OpenAI chat completions served by a prediction on a Mixtral-style language model.
import type { UpstreamConfig } from '../../config/gateway-config.js'
import { GatewayError } from '../../errors/gateway-error.js'
import type { UpstreamClients } from '../upstream-clients.js'
import type { Clock } from '../../time/clock.js'
import { chatRequestOf } from '../chat-request.js'
import { finishedAttempt, OpenAIResponseWriter } from '../openai-response-writer.js'
import type { AttemptControl, ProviderAdapter, ResponseSink, UpstreamRequest } from '../provider-adapter.js'
import { openaiToReplicate, type ReplicateTranslation } from './openai-to-replicate.js'
import { defaultPollSchedule, type PollSchedule } from './poll-schedule.js'
import { ReplicateExchange } from './replicate-exchange.js'

export class ReplicateAdapter implements ProviderAdapter {
  readonly type = 'replicate' as const
  readonly #clients: UpstreamClients
  readonly #clock: Clock
  readonly #schedule: PollSchedule

  constructor(clients: UpstreamClients, clock: Clock, schedule: PollSchedule = defaultPollSchedule) {
    this.#clients = clients
    this.#clock = clock
    this.#schedule = schedule
  }

  send(request: UpstreamRequest, upstream: UpstreamConfig, sink: ResponseSink): AttemptControl {
    let translation: ReplicateTranslation
    try {
      translation = openaiToReplicate(chatRequestOf(request, 'Replicate'))
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error
      new OpenAIResponseWriter(sink).reject(error)
      return finishedAttempt
    }
    const exchange = new ReplicateExchange(
      { clients: this.#clients, clock: this.#clock, schedule: this.#schedule, request, upstream, translation },
      sink,
    )
    exchange.start()
    return exchange
  }
}
