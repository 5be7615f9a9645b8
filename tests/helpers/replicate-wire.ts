// A fake Replicate predictions API for fake-upstream: create, get (poll), stream (SSE) and cancel, answering
// prediction objects and stream events as Replicate does (field and event names exactly).
import type { Behaviour, FakeUpstream } from './fake-upstream.js'

export const predictionId = 'ufawqhfynnddngldkgtslldrkq'

export interface ReplicateScript {
  /** Status and fields of the created prediction (default: starting). */
  readonly created?: Record<string, unknown>
  /** Status of the create answer (default 201); other statuses answer `createError`. */
  readonly createStatus?: number
  readonly createError?: Record<string, unknown>
  /** Successive GET urls.get answers (fields over a default prediction); the last repeats. */
  readonly polls?: readonly Record<string, unknown>[]
  /** `event:`/`data:` pairs of the stream. */
  readonly stream?: readonly { event: string; data: string }[]
  /** After the stream events: end (default) or hang. */
  readonly streamThen?: 'end' | 'hang'
  /** Origin of urls.stream (default: the fake itself), e.g. a foreign host. */
  readonly streamOrigin?: string
  readonly getOrigin?: string
}

export function prediction(origin: string, fields: Record<string, unknown> = {}, script: ReplicateScript = {}): Record<string, unknown> {
  return {
    id: predictionId,
    model: 'mistralai/mixtral-8x7b-instruct-v0.1',
    version: 'cf18decbf51c27fed6bbdc3492312c1c903222a56e3fe9ca02d6cbe5198afc10',
    input: {},
    logs: '',
    output: null,
    data_removed: false,
    error: null,
    status: 'starting',
    created_at: '2026-11-28T14:00:00.000Z',
    urls: {
      cancel: `${origin}/v1/predictions/${predictionId}/cancel`,
      get: `${script.getOrigin ?? origin}/v1/predictions/${predictionId}`,
      stream: `${script.streamOrigin ?? origin}/v1/files/bcwr-${predictionId}`,
      web: `https://replicate.com/p/${predictionId}`,
    },
    ...fields,
  }
}

export function succeeded(pieces: readonly string[], inputTokens = 20, outputTokens = 5): Record<string, unknown> {
  return {
    status: 'succeeded',
    output: pieces,
    metrics: { input_token_count: inputTokens, output_token_count: outputTokens, predict_time: 0.5 },
  }
}

export function outputEvents(pieces: readonly string[], done = '{}'): { event: string; data: string }[] {
  return [...pieces.map((data) => ({ event: 'output', data })), { event: 'done', data: done }]
}

/** Routes Replicate's API paths on one fake server. */
export function fakeReplicate(fake: FakeUpstream, script: ReplicateScript): Behaviour {
  const origin = `http://127.0.0.1:${fake.port}`
  let polls = 0
  const send = (res: Parameters<Behaviour>[1], status: number, body: unknown): void => {
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
      'content-length': Buffer.byteLength(text),
    })
    res.end(text)
  }
  return (req, res) => {
    const path = req.url
    if (req.method === 'POST' && /^\/v1\/models\/[^/]+\/[^/]+\/predictions$/.test(path)) {
      const status = script.createStatus ?? 201
      if (status >= 300) send(res, status, script.createError ?? { title: 'Error', detail: 'failed', status })
      else send(res, status, prediction(origin, script.created, script))
      return
    }
    if (req.method === 'GET' && path === `/v1/predictions/${predictionId}`) {
      const list = script.polls ?? [{ status: 'processing' }]
      const fields = list[Math.min(polls, list.length - 1)] ?? {}
      polls++
      send(res, 200, prediction(origin, fields, script))
      return
    }
    if (req.method === 'POST' && path === `/v1/predictions/${predictionId}/cancel`) {
      send(res, 200, prediction(origin, { status: 'canceled' }, script))
      return
    }
    if (req.method === 'GET' && path === `/v1/files/bcwr-${predictionId}`) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
      for (const e of script.stream ?? []) {
        if (req.wasAborted()) return
        res.write(
          `event: ${e.event}\nid: 1764338400:${polls++}\n${e.data
            .split('\n')
            .map((line) => `data: ${line}`)
            .join('\n')}\n\n`,
        )
      }
      if (script.streamThen !== 'hang') res.end()
      return
    }
    send(res, 404, { title: 'Not found', detail: 'Not found.', status: 404 })
  }
}
