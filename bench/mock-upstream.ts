// A fast fake OpenAI upstream in its own process: fixed chat.completion JSON, or an SSE stream of N word chunks.
// It speaks just enough HTTP/1.1 over node:net (Content-Length request bodies, keep-alive, chunked streams) to cost
// a fraction of node:http per request, so that it is not what limits nginx at saturation.
import { createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import type { MockStreamShape } from './chat-request.js'

/** The IPC message the mock sends once it listens. */
export interface MockReady {
  readonly type: 'ready'
  readonly port: number
}

const created = 1700000000
const words = ['The', 'tracking', 'page', 'can', 'lag', 'behind', 'the', 'parcel', 'by', 'a', 'day', 'or', 'two.']

// ~300 bytes, like a short real answer; the whole response is encoded once.
const completionBody = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Please wait two more days; then ask for a refund.', refusal: null },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 187, completion_tokens: 12, total_tokens: 199 },
  }),
)
const completionResponse = Buffer.concat([
  Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${completionBody.length}\r\n\r\n`),
  completionBody,
])
const streamHead = Buffer.from(
  'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n',
)
const notFoundBody = '{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":null}}'
const notFoundResponse = Buffer.from(
  `HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: ${notFoundBody.length}\r\n\r\n${notFoundBody}`,
)
const badRequestResponse = Buffer.from('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')
/** `data: [DONE]` as the last HTTP chunk, followed by the end of the chunked body. */
const doneAndEnd = Buffer.concat([httpChunk(Buffer.from('data: [DONE]\n\n')), Buffer.from('0\r\n\r\n')])
/**
 * OpenAI's usage-only final chunk (`"choices":[]`), sent before `[DONE]` when the request set
 * `stream_options.include_usage`, as OpenAI does. The gateway sets it to record usage; nginx passes requests unchanged.
 */
const usageThenDoneAndEnd = Buffer.concat([
  httpChunk(
    Buffer.from(
      `data: ${JSON.stringify({
        id: 'chatcmpl-bench',
        object: 'chat.completion.chunk',
        created,
        model: 'gpt-4o-mini',
        choices: [],
        usage: { prompt_tokens: 187, completion_tokens: 50, total_tokens: 237 },
      })}\n\n`,
    ),
  ),
  doneAndEnd,
])

function httpChunk(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')])
}

/** Chunk i of a stream of `count`, framed as one HTTP chunk: the first carries the role, the last the finish reason. */
function streamEvent(i: number, count: number): Buffer {
  const delta = i === 0 ? { role: 'assistant', content: words[0] } : { content: ` ${words[i % words.length]}` }
  const chunk = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta, finish_reason: i === count - 1 ? 'stop' : null }],
  }
  return httpChunk(Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`))
}

interface ParsedRequest {
  readonly target: string
  readonly body: Buffer
  readonly close: boolean
}

interface ChatRequest {
  readonly metadata?: { readonly bench_chunks?: unknown; readonly bench_chunk_gap_ms?: unknown }
  readonly stream_options?: { readonly include_usage?: unknown }
}

interface StreamShape extends MockStreamShape {
  readonly includeUsage: boolean
}

/** The request's own stream shape (set by the load generator in `metadata`), else the mock's defaults. */
function shapeOf(body: Buffer, defaults: MockStreamShape): StreamShape {
  const request = JSON.parse(body.toString('utf8')) as ChatRequest
  const chunks = Number(request.metadata?.bench_chunks ?? defaults.chunks)
  const chunkGapMs = Number(request.metadata?.bench_chunk_gap_ms ?? defaults.chunkGapMs)
  return {
    chunks: Number.isInteger(chunks) && chunks >= 1 ? chunks : defaults.chunks,
    chunkGapMs: Number.isFinite(chunkGapMs) && chunkGapMs >= 0 ? chunkGapMs : defaults.chunkGapMs,
    includeUsage: request.stream_options?.include_usage === true,
  }
}

/**
 * Every sender here (undici, wrk, nginx and the gateway passing the client's bytes, or JSON.stringify) writes compact
 * JSON, so a byte search decides stream or not without parsing the ~1 KB body of every non-stream request.
 */
function wantsStream(body: Buffer): boolean {
  return body.includes('"stream":true') || body.includes('"stream": true')
}

/** Splits a connection's bytes into requests: Content-Length bodies only (no chunked uploads reach this mock). */
class RequestReader {
  #buffered: Buffer | undefined

  /** The complete requests in the bytes so far; undefined for a request this mock cannot read. */
  push(data: Buffer): ParsedRequest[] | undefined {
    let buffer = this.#buffered === undefined ? data : Buffer.concat([this.#buffered, data])
    const requests: ParsedRequest[] = []
    for (;;) {
      const headEnd = buffer.indexOf('\r\n\r\n')
      if (headEnd === -1) break
      const head = buffer.toString('latin1', 0, headEnd).toLowerCase()
      if (head.includes('\r\ntransfer-encoding:')) return undefined
      const lengthAt = head.indexOf('\r\ncontent-length:')
      const length = lengthAt === -1 ? 0 : Number.parseInt(head.slice(lengthAt + 17), 10)
      if (!Number.isInteger(length) || length < 0) return undefined
      const end = headEnd + 4 + length
      if (buffer.length < end) break
      const lineEnd = head.indexOf('\r\n')
      requests.push({
        target: head.slice(0, lineEnd === -1 ? head.length : lineEnd),
        body: buffer.subarray(headEnd + 4, end),
        close: head.includes('\r\nconnection: close'),
      })
      buffer = buffer.subarray(end)
    }
    this.#buffered = buffer.length === 0 ? undefined : buffer
    return requests
  }
}

export function createMockUpstream(defaults: MockStreamShape): ReturnType<typeof createServer> {
  // Events are built once per chunk count, so serving a stream allocates nothing per chunk.
  const eventsByCount = new Map<number, readonly Buffer[]>()
  const eventsFor = (count: number): readonly Buffer[] => {
    let events = eventsByCount.get(count)
    if (events === undefined) {
      events = Array.from({ length: count }, (_, i) => streamEvent(i, count))
      eventsByCount.set(count, events)
    }
    return events
  }
  return createServer({ noDelay: true }, (socket) => {
    const reader = new RequestReader()
    // A stream holds the connection; requests that arrive meanwhile (pipelining) wait their turn.
    const waiting: ParsedRequest[] = []
    let streaming = false
    let timer: NodeJS.Timeout | undefined
    const serveNext = (): void => {
      while (!streaming && waiting.length > 0 && !socket.destroyed) {
        const request = waiting.shift() as ParsedRequest
        if (!request.target.startsWith('post /v1/chat/completions ')) socket.write(notFoundResponse)
        else if (!wantsStream(request.body)) socket.write(completionResponse)
        else {
          streaming = true
          const shape = shapeOf(request.body, defaults)
          stream({
            socket,
            events: eventsFor(shape.chunks),
            chunkGapMs: shape.chunkGapMs,
            end: shape.includeUsage ? usageThenDoneAndEnd : doneAndEnd,
            setTimer: (t) => (timer = t),
            done: () => {
              streaming = false
              if (request.close) socket.end()
              else serveNext()
            },
          })
          return
        }
        if (request.close) {
          socket.end()
          return
        }
      }
    }
    socket.on('data', (data: Buffer) => {
      const requests = reader.push(data)
      if (requests === undefined) {
        socket.end(badRequestResponse)
        return
      }
      waiting.push(...requests)
      serveNext()
    })
    // The client (or the proxy) went away: stop writing into a dead connection.
    socket.on('close', () => clearTimeout(timer))
    socket.on('error', () => undefined) // resets by clients that hang up are expected (idle streams closed at the end)
  })
}

interface StreamWriter {
  readonly socket: Socket
  readonly events: readonly Buffer[]
  readonly chunkGapMs: number
  /** The usage chunk when asked for, `[DONE]` and the end of the chunked body. */
  readonly end: Buffer
  /** Keeps the pending timer, so that a closed connection can clear it. */
  readonly setTimer: (timer: NodeJS.Timeout) => void
  readonly done: () => void
}

function stream({ socket, events, chunkGapMs, end, setTimer, done }: StreamWriter): void {
  socket.write(streamHead)
  if (chunkGapMs <= 0) {
    for (const event of events) socket.write(event)
    socket.write(end)
    done()
    return
  }
  let next = 0
  const writeNext = (): void => {
    if (socket.destroyed) return
    socket.write(events[next++] as Buffer)
    if (next < events.length) setTimer(setTimeout(writeNext, chunkGapMs))
    else {
      socket.write(end)
      done()
    }
  }
  writeNext()
}

function defaultsFromArgv(argv: readonly string[]): MockStreamShape {
  const value = (flag: string, fallback: number): number => {
    const i = argv.indexOf(flag)
    const n = i === -1 ? fallback : Number(argv[i + 1])
    if (!Number.isFinite(n) || n < 0) throw new Error(`mock-upstream: bad ${flag}`)
    return n
  }
  return { chunks: Math.max(1, Math.floor(value('--chunks', 50))), chunkGapMs: value('--chunk-gap-ms', 0) }
}

// Started as a process by fork() (not imported): listen on 127.0.0.1, report the port over IPC, exit with the parent.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = createMockUpstream(defaultsFromArgv(process.argv.slice(2)))
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
    const ready: MockReady = { type: 'ready', port: (server.address() as AddressInfo).port }
    process.send?.(ready)
  })
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
}
