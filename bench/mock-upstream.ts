// A fast fake OpenAI upstream in its own process: fixed chat.completion JSON, or an SSE stream of N word chunks.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
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

// ~300 bytes, like a short real answer; encoded once.
const completionBody = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created,
    model: 'gpt-4o-mini',
    choices: [
      { index: 0, message: { role: 'assistant', content: 'Please wait two more days; then ask for a refund.', refusal: null }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 187, completion_tokens: 12, total_tokens: 199 },
  }),
)
const completionHeaders = { 'content-type': 'application/json', 'content-length': String(completionBody.length) }
const streamHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }
const doneEvent = Buffer.from('data: [DONE]\n\n')

/** Chunk i of a stream of `count`: the first carries the role, the last the finish reason. */
function streamEvent(i: number, count: number): Buffer {
  const delta = i === 0 ? { role: 'assistant', content: words[0] } : { content: ` ${words[i % words.length]}` }
  const chunk = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta, finish_reason: i === count - 1 ? 'stop' : null }],
  }
  return Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`)
}

interface ChatRequest {
  readonly stream?: unknown
  readonly metadata?: { readonly bench_chunks?: unknown; readonly bench_chunk_gap_ms?: unknown }
}

/** The request's own stream shape (set by the load generator in `metadata`), else the mock's defaults. */
function shapeOf(request: ChatRequest, defaults: MockStreamShape): MockStreamShape {
  const chunks = Number(request.metadata?.bench_chunks ?? defaults.chunks)
  const chunkGapMs = Number(request.metadata?.bench_chunk_gap_ms ?? defaults.chunkGapMs)
  return {
    chunks: Number.isInteger(chunks) && chunks >= 1 ? chunks : defaults.chunks,
    chunkGapMs: Number.isFinite(chunkGapMs) && chunkGapMs >= 0 ? chunkGapMs : defaults.chunkGapMs,
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
  const answer = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":null}}')
      return
    }
    const request = JSON.parse(body.toString('utf8')) as ChatRequest
    if (request.stream !== true) {
      res.writeHead(200, completionHeaders).end(completionBody)
      return
    }
    const shape = shapeOf(request, defaults)
    const events = eventsFor(shape.chunks)
    res.writeHead(200, streamHeaders)
    if (shape.chunkGapMs <= 0) {
      for (const event of events) res.write(event)
      res.end(doneEvent)
    } else {
      writeWithGaps(res, events, shape.chunkGapMs)
    }
  }
  const server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (part: Buffer) => parts.push(part))
    req.on('end', () => {
      try {
        answer(req, res, Buffer.concat(parts))
      } catch (error) {
        // A malformed body is the load generator's bug: answer 400 so it shows up as an error, not a hang.
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error))
      }
    })
  })
  server.keepAliveTimeout = 60_000
  return server
}

function writeWithGaps(res: ServerResponse, events: readonly Buffer[], gapMs: number): void {
  let next = 0
  let timer: NodeJS.Timeout | undefined
  const writeNext = (): void => {
    res.write(events[next++] as Buffer)
    if (next < events.length) timer = setTimeout(writeNext, gapMs)
    else res.end(doneEvent)
  }
  // The client (or the gateway) went away: stop writing into a dead response.
  res.on('close', () => clearTimeout(timer))
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
  server.listen(0, '127.0.0.1', () => {
    const ready: MockReady = { type: 'ready', port: (server.address() as AddressInfo).port }
    process.send?.(ready)
  })
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
}
