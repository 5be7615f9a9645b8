// The token-counting thread: builds the o200k_base encoding once, then answers count requests.
import { parentPort } from 'node:worker_threads'
import { Tiktoken } from 'js-tiktoken/lite'
import o200kBase from 'js-tiktoken/ranks/o200k_base'
import { runAtBackgroundPriority } from '../threads/background-priority.js'

export interface TokenCountRequest {
  readonly id: number
  readonly texts: readonly string[]
}

export interface TokenCountReply {
  readonly id: number
  readonly counts: number[]
}

if (parentPort !== null) {
  runAtBackgroundPriority()
  const port = parentPort
  const encoder = new Tiktoken(o200kBase)
  port.on('message', (request: TokenCountRequest) => {
    // Special-token text in a prompt is counted as ordinary text, never rejected.
    const counts = request.texts.map((text) => (text === '' ? 0 : encoder.encode(text, [], []).length))
    port.postMessage({ id: request.id, counts } satisfies TokenCountReply)
  })
}
