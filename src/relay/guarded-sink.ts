// A ResponseSink in front of the attempt that turns an exception thrown while it handles the answer into a call,
// wherever the adapter called from (an undici callback, a timer): the gateway's own bug ends the attempt as
// internal_error instead of crashing the process or leaving the request hanging.
import type { GatewayError } from '../errors/gateway-error.js'
import type { ResponseSink } from '../providers/provider-adapter.js'

export class GuardedSink implements ResponseSink {
  readonly #sink: ResponseSink
  readonly #onBug: (error: unknown) => void

  constructor(sink: ResponseSink, onBug: (error: unknown) => void) {
    this.#sink = sink
    this.#onBug = onBug
  }

  onResponseStart(status: number, headers: string[]): void {
    try {
      this.#sink.onResponseStart(status, headers)
    } catch (error) {
      this.#onBug(error)
    }
  }

  onResponseData(chunk: Buffer): boolean {
    try {
      return this.#sink.onResponseData(chunk)
    } catch (error) {
      this.#onBug(error)
      return false
    }
  }

  onResponseEnd(): void {
    try {
      this.#sink.onResponseEnd()
    } catch (error) {
      this.#onBug(error)
    }
  }

  onResponseError(error: GatewayError): void {
    try {
      this.#sink.onResponseError(error)
    } catch (bug) {
      this.#onBug(bug)
    }
  }
}
