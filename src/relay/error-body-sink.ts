// The body of an answer that fails over (a retryable status): never relayed as it comes, but kept, bounded, in case
// it becomes the client's final answer once no other upstream does better.
import { GatewayError } from '../errors/gateway-error.js'
import type { BodyFailure, BodySink } from './body-sink.js'
import { nothingCaptured } from './body-sink.js'
import { headerOf } from './client-response-headers.js'
import { decodedContent } from './decoded-content.js'
import type { CapturedResponse } from '../tokens/response-capture.js'

/** An error body kept for the final answer, at most. */
export const maxErrorBodyBytes = 64 * 1024

export class ErrorBodySink implements BodySink {
  readonly #upstreamName: string
  readonly #status: number
  readonly #headers: readonly string[]
  #chunks: Buffer[] = []
  #bytes = 0

  constructor(upstreamName: string, status: number, headers: readonly string[]) {
    this.#upstreamName = upstreamName
    this.#status = status
    this.#headers = headers
  }

  push(chunk: Buffer): boolean {
    if (this.#bytes < maxErrorBodyBytes) {
      this.#chunks.push(chunk)
      this.#bytes += chunk.length
    }
    return true
  }

  end(): BodyFailure {
    const status = this.#status
    const coded = Buffer.concat(this.#chunks, this.#bytes)
    this.#chunks = []
    const body = decodedContent(coded, headerOf(this.#headers, 'content-encoding')) ?? Buffer.alloc(0)
    return {
      error: new GatewayError('upstream_status', `upstream ${this.#upstreamName} answered ${status}`, { status }),
      // Decoded so the answer's secrets can be cut if it becomes the client's; one that cannot be read is not relayed.
      answer: { status, headers: this.#headers, body },
    }
  }

  /** Never committed, so never interrupted. */
  interrupt(): void {}

  captured(): CapturedResponse {
    return nothingCaptured
  }
}
