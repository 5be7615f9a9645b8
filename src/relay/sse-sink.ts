// A 2xx event stream. Each event is read once (EventReader) and classified once (classifyEvent); that one reading
// feeds the usage tap, the commit point and the removal of the usage-only chunk. Before the commit point whole
// events are held (role-only and empty chunks, 16 KiB at most) so an upstream that dies early still fails over;
// after it they are relayed as they come. Only whole events are written, so an error event after a failure never
// lands inside a half-sent one.
import { GatewayError } from '../errors/gateway-error.js'
import { classifyEvent } from '../streaming/classify-event.js'
import { EventFramer } from '../streaming/event-framer.js'
import { EventReader, type EventVisitor } from '../streaming/event-reader.js'
import type { StreamDialect } from '../streaming/stream-dialect.js'
import { StreamTap } from '../streaming/stream-tap.js'
import type { AttemptContext, BodyFailure, BodySink } from './body-sink.js'
import type { CapturedResponse } from '../tokens/response-capture.js'
import type { SecretRedactor } from '../secrets/secret-redactor.js'

/** Role-only and empty chunks held before the commit point, at most. */
export const maxHeldBytes = 16 * 1024

export interface SseSinkOptions {
  readonly upstreamName: string
  /** Which commit rule the stream follows. */
  readonly dialect: StreamDialect
  /** The gateway asked for stream usage the client did not: the usage-only chunk is dropped. */
  readonly stripUsageChunk: boolean
  /** max_event_size: a larger event fails the attempt. */
  readonly maxEventBytes: number
  readonly redactor: SecretRedactor
}

export class SseSink implements BodySink {
  readonly #context: AttemptContext
  readonly #options: SseSinkOptions
  readonly #framer: EventFramer
  readonly #reader = new EventReader()
  readonly #tap = new StreamTap()
  #visible = false
  #done = false
  // Before the commit point: the whole events read so far, ready to send, and every byte received.
  #held: Buffer[] = []
  #heldBytes = 0
  // The run of events being read.
  #run: Buffer | undefined
  /** Set once an event of the run is dropped: the parts kept so far, and where the next one starts. */
  #kept: Buffer[] | undefined
  #keptFrom = 0
  #errorInRun = false

  constructor(context: AttemptContext, options: SseSinkOptions) {
    this.#context = context
    this.#options = options
    this.#framer = new EventFramer(options.maxEventBytes)
  }

  push(chunk: Buffer): boolean {
    const events = this.#framer.push(chunk)
    if (events === undefined) return this.#eventTooLarge()
    const ready = events.length === 0 ? events : this.#read(events)
    let more: boolean
    if (this.#context.committed) {
      more = this.#send(ready)
    } else {
      if (ready.length > 0) this.#held.push(ready)
      this.#heldBytes += chunk.length
      if (!this.#visible && !this.#done && this.#heldBytes <= maxHeldBytes) return true
      this.#context.commit({ stream: true })
      more = this.#writeHeld()
    }
    if (!this.#done) return more
    this.#writeRest()
    // `[DONE]` is the end of the answer: the client gets its whole response now, even from an upstream that keeps
    // its connection open afterwards.
    this.#context.finishEarly()
    return true
  }

  end(): BodyFailure | undefined {
    if (!this.#context.committed) {
      if (!this.#done) {
        const message = `upstream ${this.#options.upstreamName} ended its stream before sending anything`
        return { error: new GatewayError('upstream_truncated', message), answer: undefined }
      }
      this.#context.commit({ stream: true })
      this.#writeHeld()
    }
    this.#writeRest()
    return undefined
  }

  interrupt(error: GatewayError): void {
    this.#context.writer.endWithErrorEvent(error)
  }

  captured(): CapturedResponse {
    return { usage: this.#tap.usage, text: this.#tap.text }
  }

  /** The events of a run, each read and classified once; returns the bytes to send for them. */
  #read(events: Buffer): Buffer {
    this.#run = events
    this.#kept = undefined
    this.#keptFrom = 0
    this.#errorInRun = false
    this.#reader.read(events, this.#visit)
    this.#run = undefined
    let ready = events
    // Set by #visit when it dropped an event (the compiler cannot see that call).
    const kept = this.#kept as Buffer[] | undefined
    if (kept !== undefined) {
      if (this.#keptFrom < events.length) kept.push(events.subarray(this.#keptFrom))
      ready = Buffer.concat(kept)
      this.#kept = undefined
    }
    // The upstream's own error event may quote its key; other events are relayed unsearched.
    return this.#errorInRun ? this.#options.redactor.redactBytes(ready) : ready
  }

  readonly #visit: EventVisitor = (event, start, end) => {
    const classified = classifyEvent(this.#options.dialect, event)
    this.#tap.add(classified)
    if (classified.visibility === 'visible') this.#visible = true
    else if (classified.visibility === 'done') this.#done = true
    if (classified.error) this.#errorInRun = true
    if (classified.usageOnly && this.#options.stripUsageChunk) {
      const kept = (this.#kept ??= [])
      if (start > this.#keptFrom) kept.push((this.#run as Buffer).subarray(this.#keptFrom, start))
      this.#keptFrom = end
    }
  }

  #writeHeld(): boolean {
    const held = this.#held.length === 1 ? (this.#held[0] as Buffer) : Buffer.concat(this.#held)
    this.#held = []
    this.#heldBytes = 0
    return this.#send(held)
  }

  /** Runs with nothing left to send (all dropped) write nothing: an empty chunk would end a chunked body. */
  #send(bytes: Buffer): boolean {
    return bytes.length === 0 || this.#context.writer.write(bytes)
  }

  /**
   * The bytes of an event the upstream never finished, at the end of its stream. Not read as an event, so not known
   * not to be an error quoting the key: searched whole.
   */
  #writeRest(): void {
    const rest = this.#framer.takeRest()
    if (rest !== undefined) this.#context.writer.write(this.#options.redactor.redactBytes(rest))
  }

  /** An event over max_event_size: the attempt fails (fails over before the commit point, an error event after it). */
  #eventTooLarge(): boolean {
    const { maxEventBytes, upstreamName } = this.#options
    const message = `upstream ${upstreamName} sent an SSE event larger than max_event_size (${maxEventBytes} bytes)`
    this.#context.abort(new GatewayError('upstream_bad_response', message))
    return false
  }
}
