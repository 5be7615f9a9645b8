// The token-counting thread: builds the o200k_base encoding once, then answers count requests.
import { parentPort } from 'node:worker_threads'
import { Tiktoken } from 'js-tiktoken/lite'
import o200kBase from 'js-tiktoken/ranks/o200k_base'
import { runAtBackgroundPriority } from '../threads/background-priority.js'
import { sendThreadWarnings } from '../threads/thread-warnings.js'
import { CountCache } from './count-cache.js'

export interface TokenCountRequest {
  readonly id: number
  readonly texts: readonly string[]
}

export interface TokenCountReply {
  readonly id: number
  readonly counts: number[]
}

/** ~4 million characters of recent texts (a few MB beside the ~260 MB table); one text up to 256 K characters. */
const cachedChars = 4_000_000

if (parentPort !== null) {
  runAtBackgroundPriority()
  sendThreadWarnings()
  const port = parentPort
  const encoder = new Tiktoken(o200kBase)
  // Special-token text in a prompt is counted as ordinary text, never rejected.
  const encode = (text: string): number => encoder.encode(text, [], []).length
  const cache = new CountCache(cachedChars)
  port.on('message', (request: TokenCountRequest) => {
    const counts = request.texts.map((text) => (text === '' ? 0 : cache.count(text, encode)))
    port.postMessage({ id: request.id, counts } satisfies TokenCountReply)
  })
}
