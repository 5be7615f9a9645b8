// A ResponseSink that reads a whole upstream answer (a JSON body to translate) and hands it over at its end.
import { GatewayError } from '../errors/gateway-error.js'
import { BodyBuffer } from './body-buffer.js'
import type { ResponseSink } from './provider-adapter.js'

export interface BufferedAnswer {
  readonly status: number
  readonly headers: readonly string[]
  readonly text: string
}

export class BufferedAnswerSink implements ResponseSink {
  readonly #onAnswer: (answer: BufferedAnswer) => void
  readonly #onError: (error: GatewayError) => void
  readonly #upstreamName: string
  readonly #body = new BodyBuffer()
  #status = 0
  #headers: string[] = []
  #failed = false

  constructor(upstreamName: string, onAnswer: (answer: BufferedAnswer) => void, onError: (error: GatewayError) => void) {
    this.#upstreamName = upstreamName
    this.#onAnswer = onAnswer
    this.#onError = onError
  }

  onResponseStart(status: number, headers: string[]): void {
    this.#status = status
    this.#headers = headers
  }

  onResponseData(chunk: Buffer): boolean {
    if (!this.#failed && !this.#body.push(chunk)) {
      this.#failed = true
      this.#onError(new GatewayError('upstream_bad_response', `upstream ${this.#upstreamName} sent an answer larger than it can be`))
    }
    return true
  }

  onResponseEnd(): void {
    if (!this.#failed) this.#onAnswer({ status: this.#status, headers: this.#headers, text: this.#body.text() })
  }

  onResponseError(error: GatewayError): void {
    if (this.#failed) return
    this.#failed = true
    this.#onError(error)
  }
}

/** For requests whose answer changes nothing (a best-effort cancel). */
export const ignoredAnswer: ResponseSink = Object.freeze({
  onResponseStart: () => undefined,
  onResponseData: () => true,
  onResponseEnd: () => undefined,
  onResponseError: () => undefined,
})
