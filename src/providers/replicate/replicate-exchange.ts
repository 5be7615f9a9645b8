// One chat request served by Replicate: create the prediction, then follow its stream or poll it until it is
// over. URLs from Replicate are followed only to allowed hosts; a prediction left running when the answer
// ends early (client gone, deadline, failure) is canceled.
import type { UpstreamConfig } from '../../config/gateway-config.js'
import { GatewayError } from '../../errors/gateway-error.js'
import type { UpstreamClients } from '../upstream-clients.js'
import type { Clock, TimerHandle } from '../../time/clock.js'
import { BufferedAnswerSink, ignoredAnswer, type BufferedAnswer } from '../buffered-answer.js'
import { parseJson } from '../json-fields.js'
import { PassThroughHandler } from '../pass-through-handler.js'
import { basicAuthorization, bearerAuthorization, buildTranslatedHeaders, identityEncoding } from '../upstream-headers.js'
import { chunkOf, usageChunkOf, type ChunkIdentity } from '../openai-chat.js'
import { keptUpstreamHeaders, OpenAIResponseWriter } from '../openai-response-writer.js'
import type { AttemptControl, ResponseSink, UpstreamRequest } from '../provider-adapter.js'
import { splitEndpoint } from '../split-endpoint.js'
import { followedUrl, hostOf, type FollowedUrl } from './followed-url.js'
import type { ReplicateTranslation } from './openai-to-replicate.js'
import { pollDelayMs, pollingLimitMs, type PollSchedule } from './poll-schedule.js'
import { isRunning, predictionOf, type Prediction } from './replicate-prediction.js'
import { ReplicateStreamSink } from './replicate-stream-sink.js'
import { ReplicateStreamMapper } from './replicate-stream-to-openai.js'
import { outputText, predictionFailure, predictionToOpenAI, predictionUsage, replicateErrorToOpenAI } from './replicate-to-openai.js'

export interface ReplicateExchangeOptions {
  readonly clients: UpstreamClients
  readonly clock: Clock
  readonly schedule: PollSchedule
  readonly request: UpstreamRequest
  readonly upstream: UpstreamConfig
  readonly translation: ReplicateTranslation
}

export class ReplicateExchange implements AttemptControl {
  readonly #options: ReplicateExchangeOptions
  readonly #writer: OpenAIResponseWriter
  readonly #created: number
  readonly #pollUntil: number
  #current: PassThroughHandler | undefined
  #timer: TimerHandle | undefined
  #prediction: Prediction | undefined
  #predictionOver = false
  #polls = 0
  #answerStatus = 0

  constructor(options: ReplicateExchangeOptions, sink: ResponseSink) {
    this.#options = options
    this.#created = Math.floor(options.clock.wallNow() / 1000)
    this.#pollUntil = options.clock.now() + pollingLimitMs(options.schedule, options.upstream)
    // Watch the answer's end, whoever ends it, to clean up after it.
    this.#writer = new OpenAIResponseWriter({
      onResponseStart: (status, headers) => {
        this.#answerStatus = status
        sink.onResponseStart(status, headers)
      },
      onResponseData: (chunk) => sink.onResponseData(chunk),
      onResponseEnd: () => {
        sink.onResponseEnd()
        this.#ended(
          this.#answerStatus >= 200 && this.#answerStatus < 300 ? undefined : new GatewayError('upstream_status', 'answered with an error'),
        )
      },
      onResponseError: (error) => {
        sink.onResponseError(error)
        this.#ended(error)
      },
    })
  }

  start(): void {
    const { upstream, request, translation } = this.#options
    const { origin, basePath } = splitEndpoint(upstream.endpoint)
    const headers = buildTranslatedHeaders(
      request,
      upstream,
      ['content-type', 'application/json', 'accept', 'application/json'],
      bearerAuthorization,
    )
    const created = new BufferedAnswerSink(
      upstream.name,
      (answer) => this.#onPrediction(answer),
      (error) => this.#writer.fail(error),
    )
    this.#dispatch({ origin, path: basePath + translation.path }, 'POST', headers, JSON.stringify(translation.body), created)
  }

  abort(error: GatewayError): void {
    this.#writer.fail(error)
  }

  resume(): void {
    this.#current?.resume()
  }

  #onPrediction(answer: BufferedAnswer): void {
    if (this.#writer.finished) return
    this.#writer.useHeaders(keptUpstreamHeaders(answer.headers))
    if (answer.status < 200 || answer.status >= 300) {
      const error = replicateErrorToOpenAI(answer.status, answer.text)
      this.#writer.sendJson(error.status, error.body)
      return
    }
    const prediction = predictionOf(parseJson(answer.text))
    if (prediction === undefined) {
      this.#writer.fail(
        new GatewayError('upstream_bad_response', `upstream ${this.#options.upstream.name} answered ${answer.status} without a prediction`),
      )
      return
    }
    this.#prediction = prediction
    if (!isRunning(prediction.status)) {
      this.#predictionOver = true
      this.#answerWhole(prediction)
    } else if (this.#options.translation.body.stream) {
      this.#openStream(prediction)
    } else {
      this.#schedulePoll()
    }
  }

  #openStream(prediction: Prediction): void {
    const url = prediction.urls.stream
    if (url === undefined) {
      this.#writer.fail(new GatewayError('upstream_unsupported', `the Replicate model ${this.#options.request.model} does not stream`))
      return
    }
    const target = this.#follow(url, 'stream')
    if (target === undefined) return
    const mapper = new ReplicateStreamMapper(this.#identity(prediction))
    const sink = new ReplicateStreamSink(this.#writer, mapper, this.#options.upstream, {
      predictionOver: () => {
        this.#predictionOver = true
      },
      complete: () => this.#streamComplete(prediction),
    })
    this.#dispatch(target, 'GET', this.#ownHeaders(['accept', 'text/event-stream', 'cache-control', 'no-store'], target), null, sink)
  }

  /** With `include_usage`, the token counts are read from the finished prediction: its stream carries none. */
  #streamComplete(prediction: Prediction): void {
    if (!this.#options.translation.includeUsage) {
      this.#writer.endStream()
      return
    }
    this.#get(prediction, (finished) => {
      const usage = predictionUsage(finished)
      if (usage !== undefined) this.#writer.writeChunk(usageChunkOf(this.#identity(prediction), usage))
      this.#writer.endStream()
    })
  }

  #schedulePoll(): void {
    const left = this.#pollUntil - this.#options.clock.now()
    if (left <= 0) {
      const seconds = pollingLimitMs(this.#options.schedule, this.#options.upstream) / 1000
      this.#writer.fail(
        new GatewayError('upstream_timeout', `upstream ${this.#options.upstream.name}: the prediction was not over within ${seconds}s`),
      )
      return
    }
    const delay = Math.min(left, pollDelayMs(this.#options.schedule, this.#polls))
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined
      this.#polls++
      if (this.#prediction !== undefined) this.#get(this.#prediction, (polled) => this.#onPolled(polled))
    }, delay)
  }

  #onPolled(prediction: Prediction): void {
    this.#prediction = prediction
    if (isRunning(prediction.status)) {
      this.#schedulePoll()
      return
    }
    this.#predictionOver = true
    this.#answerWhole(prediction)
  }

  /** GET urls.get; errors end the answer, a prediction goes to `then`. */
  #get(prediction: Prediction, then: (prediction: Prediction) => void): void {
    const url = prediction.urls.get ?? `${this.#options.upstream.endpoint}/predictions/${encodeURIComponent(prediction.id)}`
    const target = this.#follow(url, 'get')
    if (target === undefined) return
    const sink = new BufferedAnswerSink(
      this.#options.upstream.name,
      (answer) => {
        if (this.#writer.finished) return
        if (answer.status < 200 || answer.status >= 300) {
          const error = replicateErrorToOpenAI(answer.status, answer.text)
          if (this.#writer.started)
            this.#writer.fail(
              new GatewayError('upstream_status', `upstream ${this.#options.upstream.name}: ${error.body.error.message}`, {
                status: answer.status,
              }),
            )
          else this.#writer.sendJson(error.status, error.body)
          return
        }
        const polled = predictionOf(parseJson(answer.text))
        if (polled === undefined)
          this.#writer.fail(
            new GatewayError('upstream_bad_response', `upstream ${this.#options.upstream.name} answered a poll without a prediction`),
          )
        else then(polled)
      },
      (error) => this.#writer.fail(error),
    )
    this.#dispatch(target, 'GET', this.#ownHeaders(['accept', 'application/json'], target), null, sink)
  }

  /** A prediction that is over: the whole answer at once, as JSON or (for a stream request) as chunks. */
  #answerWhole(prediction: Prediction): void {
    if (prediction.status !== 'succeeded') {
      const failure = predictionFailure(prediction.status, prediction.error)
      this.#writer.sendJson(failure.status, failure.body)
      return
    }
    const { request, translation } = this.#options
    if (!translation.body.stream) {
      this.#writer.sendJson(200, predictionToOpenAI(prediction, request.model, this.#created))
      return
    }
    const identity = this.#identity(prediction)
    this.#writer.holdChunk(chunkOf(identity, { role: 'assistant', content: '' }))
    const text = outputText(prediction.output)
    if (text !== '') this.#writer.writeChunk(chunkOf(identity, { content: text }))
    this.#writer.writeChunk(chunkOf(identity, {}, 'stop'))
    const usage = predictionUsage(prediction)
    if (translation.includeUsage && usage !== undefined) this.#writer.writeChunk(usageChunkOf(identity, usage))
    this.#writer.endStream()
  }

  #follow(url: string, what: 'stream' | 'get'): FollowedUrl | undefined {
    const { upstream } = this.#options
    const target = followedUrl(url, upstream.endpoint, upstream.allowedHosts)
    if (target === undefined) {
      // The upstream sent a URL the gateway refuses to follow: its answer is one the gateway cannot use.
      this.#writer.fail(
        new GatewayError(
          'upstream_bad_response',
          `upstream ${upstream.name}: the prediction's ${what} URL is on ${hostOf(url)}, which is neither the endpoint's host nor in allowed_hosts`,
        ),
      )
    }
    return target
  }

  #dispatch(target: FollowedUrl, method: 'GET' | 'POST', headers: string[], body: string | null, sink: ResponseSink): void {
    const handler = new PassThroughHandler(sink, this.#options.upstream.name)
    this.#current = handler
    // undici reports dispatch failures (a closed pool, bad options) to the handler, never by throwing.
    this.#options.clients.pool(target.origin).dispatch({ method, path: target.path, headers, body }, handler)
  }

  /**
   * Headers for requests after the create: no client headers, only ours and the key; the endpoint URL's Basic
   * credentials go to the endpoint's own origin only.
   */
  #ownHeaders(own: string[], target: FollowedUrl): string[] {
    const { upstream, request } = this.#options
    const credential = bearerAuthorization(upstream.credential, request.headers['authorization'])
    const basic =
      target.origin === splitEndpoint(upstream.endpoint).origin && credential.length === 0 ? basicAuthorization(upstream) : undefined
    return [
      ...own,
      ...credential,
      ...(basic === undefined ? [] : ['authorization', basic]),
      ...identityEncoding,
      'x-request-id',
      request.requestId,
    ]
  }

  #identity(prediction: Prediction): ChunkIdentity {
    return { id: prediction.id, created: this.#created, model: this.#options.request.model }
  }

  /** The answer ended; `failure` is set unless it was a complete 2xx answer. */
  #ended(failure: GatewayError | undefined): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    if (failure === undefined) return
    this.#current?.abort(failure)
    if (this.#prediction !== undefined && !this.#predictionOver) this.#cancel(this.#prediction)
  }

  /**
   * Best effort, and nothing waits for it: the client's answer is already decided, and a cancel that fails
   * only leaves the prediction to run out on Replicate's side.
   */
  #cancel(prediction: Prediction): void {
    const url = prediction.urls.cancel
    if (url === undefined) return
    const target = followedUrl(url, this.#options.upstream.endpoint, this.#options.upstream.allowedHosts)
    if (target === undefined) return
    const handler = new PassThroughHandler(ignoredAnswer, this.#options.upstream.name)
    this.#options.clients
      .pool(target.origin)
      .dispatch({ method: 'POST', path: target.path, headers: this.#ownHeaders([], target), body: null }, handler)
  }
}
