// A stand-in for node:http's ServerResponse in unit tests of what writes a client's answer: it records writeHead,
// write, end and destroy, can refuse writes (write returns false) until `drain()`, and chunks like node:http does.
import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'

export type ResponseCall =
  | { readonly call: 'writeHead'; readonly status: number; readonly headers: readonly string[] }
  | { readonly call: 'write'; readonly bytes: string }
  | { readonly call: 'end'; readonly bytes: string }
  | { readonly call: 'destroy'; readonly error: Error | undefined }

export class FakeResponse extends EventEmitter {
  readonly calls: ResponseCall[] = []
  destroyed = false
  /** node:http chooses chunked coding for an HTTP/1.1 client and a body without Content-Length. */
  chunkedEncoding = true
  /** While true, write() reports a full buffer (the bytes are still recorded). */
  full = false

  writeHead(status: number, headers: readonly string[]): this {
    this.calls.push({ call: 'writeHead', status, headers })
    return this
  }

  write(chunk: Buffer): boolean {
    this.calls.push({ call: 'write', bytes: chunk.toString('latin1') })
    return !this.full
  }

  end(chunk?: Buffer): this {
    this.calls.push({ call: 'end', bytes: chunk === undefined ? '' : chunk.toString('latin1') })
    return this
  }

  destroy(error?: Error): this {
    this.destroyed = true
    this.calls.push({ call: 'destroy', error })
    return this
  }

  /** The client read what was buffered. */
  drain(): void {
    this.full = false
    this.emit('drain')
  }

  /** Everything written as body bytes, end included, in order. */
  get body(): string {
    return this.calls.map((c) => (c.call === 'write' || c.call === 'end' ? c.bytes : '')).join('')
  }

  asServerResponse(): ServerResponse {
    return this as unknown as ServerResponse
  }
}
