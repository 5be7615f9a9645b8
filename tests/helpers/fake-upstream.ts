// A real HTTP server on 127.0.0.1:0 that plays an OpenAI-compatible upstream: it answers, fails,
// hangs, stalls mid-stream or resets as each test scripts it, and records what it received.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface ReceivedRequest {
  readonly method: string
  /** Path and query as received, e.g. `/v1/chat/completions`. */
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
  readonly json: unknown
  /** Resolves when the gateway closes this request's connection before the response finished. */
  readonly aborted: Promise<void>
  readonly wasAborted: () => boolean
}

export type Behaviour = (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>

export interface FakeUpstream {
  /** `http://127.0.0.1:PORT/v1`: an endpoint for the config. */
  readonly endpoint: string
  readonly port: number
  readonly requests: ReceivedRequest[]
  /** Behaviours used in turn, one per request; the last one repeats. */
  script(...behaviours: Behaviour[]): void
  close(): Promise<void>
}

export async function startFakeUpstream(...behaviours: Behaviour[]): Promise<FakeUpstream> {
  let queue = behaviours.length > 0 ? behaviours : [json(200, completion('ok'))]
  const requests: ReceivedRequest[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      let parsed: unknown
      try {
        parsed = JSON.parse(body.toString('utf8'))
      } catch {
        parsed = undefined
      }
      let aborted = false
      const abortedPromise = new Promise<void>((resolve) => {
        res.on('close', () => {
          if (!res.writableFinished) {
            aborted = true
            resolve()
          }
        })
      })
      const received: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        json: parsed,
        aborted: abortedPromise,
        wasAborted: () => aborted,
      }
      requests.push(received)
      const behaviour = queue.length > 1 ? (queue.shift() as Behaviour) : (queue[0] as Behaviour)
      Promise.resolve(behaviour(received, res)).catch(() => res.destroy())
    })
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    endpoint: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    script(...next: Behaviour[]) {
      queue = next
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

// ---- Behaviours ----

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Behaviour {
  return (_req, res) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
    res.end(text)
  }
}

/** OpenAI's error body for a status. */
export function openaiError(status: number, message: string, type = 'server_error', code: string | null = null): Behaviour {
  return json(status, { error: { message, type, param: null, code } })
}

export interface SseOptions {
  /** Wait before each event (ms); 0 sends them back to back. */
  readonly gapMs?: number
  /** Send `data: [DONE]` at the end (default true). */
  readonly done?: boolean
  /** After the events: 'end' the response (default), 'hang' keep it open silently, 'reset' destroy the socket. */
  readonly then?: 'end' | 'hang' | 'reset'
  readonly headers?: Record<string, string>
}

/** One SSE `data:` event as written on the wire; the payload is JSON, or a line-free string sent as is. */
export function eventText(payload: unknown): string {
  return `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`
}

/** A stream of `data:` events; each item is a JSON payload or a raw line-free string. */
export function sse(events: readonly unknown[], options: SseOptions = {}): Behaviour {
  return async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...options.headers })
    for (const event of events) {
      if (req.wasAborted()) return
      if (options.gapMs !== undefined && options.gapMs > 0) await delay(options.gapMs)
      res.write(eventText(event))
    }
    if (options.done !== false) res.write('data: [DONE]\n\n')
    switch (options.then ?? 'end') {
      case 'end':
        res.end()
        break
      case 'reset':
        res.socket?.destroy()
        break
      case 'hang':
        break
    }
  }
}

export type StreamStep =
  /** One `data:` event: a JSON payload, or a line-free string sent as is. */
  | { readonly data: unknown }
  /** Bytes exactly as given. */
  | { readonly raw: string }
  /** Wait until the test resolves this, e.g. after it moved a manual clock. */
  | { readonly waitFor: Promise<void> }
  /** Tell the test that everything before this step reached the socket. */
  | { readonly reached: () => void }
  | 'end'
  | 'reset'
  | 'hang'

/** An SSE answer played step by step; each step is written only after the previous one reached the socket. */
export function scriptedStream(steps: readonly StreamStep[], headers: Record<string, string> = {}): Behaviour {
  return async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers })
    res.flushHeaders()
    for (const step of steps) {
      if (req.wasAborted()) return
      if (step === 'end') {
        res.end()
        return
      }
      if (step === 'reset') {
        res.socket?.destroy()
        return
      }
      if (step === 'hang') return
      if ('waitFor' in step) await step.waitFor
      else if ('reached' in step) step.reached()
      else {
        const text = 'data' in step ? eventText(step.data) : step.raw
        await new Promise<void>((resolve, reject) => res.write(text, (error) => (error ? reject(error) : resolve())))
      }
    }
  }
}

/** Never answer (the connection stays open until the gateway gives up). */
export function hang(): Behaviour {
  return () => undefined
}

/** Destroy the connection without answering. */
export function reset(): Behaviour {
  return (_req, res) => {
    res.socket?.destroy()
  }
}

/** Answer headers, then stop (no body byte ever). */
export function headersThenHang(status = 200, contentType = 'application/json'): Behaviour {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': contentType })
    res.flushHeaders()
  }
}

/** Answer only once the test releases it, e.g. after it moved the gateway's manual clock. */
export function heldUntil(release: Promise<void>, then: Behaviour): Behaviour {
  return async (req, res) => {
    await release
    if (!req.wasAborted()) await then(req, res)
  }
}

/** Answer after a delay. */
export function delayed(ms: number, then: Behaviour): Behaviour {
  return async (req, res) => {
    await delay(ms)
    if (!req.wasAborted()) await then(req, res)
  }
}

// ---- OpenAI payloads ----

export function completion(
  content: string,
  model = 'gpt-4o-mini',
  usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
): unknown {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1700000000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage,
  }
}

export function chunk(delta: Record<string, unknown>, finishReason: string | null = null, model = 'gpt-4o-mini'): unknown {
  return chunkFrom('chatcmpl-test', delta, finishReason, model)
}

/** A chat.completion.chunk whose id tells which upstream (or which answer) sent it. */
export function chunkFrom(id: string, delta: Record<string, unknown>, finishReason: string | null = null, model = 'gpt-4o-mini'): unknown {
  return {
    id,
    object: 'chat.completion.chunk',
    created: 1700000000,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  }
}

/** A whole streamed answer: a role chunk, one chunk per word, a finish chunk. */
export function streamOf(words: readonly string[], model = 'gpt-4o-mini'): unknown[] {
  return [
    chunk({ role: 'assistant', content: '' }, null, model),
    ...words.map((w) => chunk({ content: w }, null, model)),
    chunk({}, 'stop', model),
  ]
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
