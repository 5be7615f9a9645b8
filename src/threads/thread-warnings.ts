// Node's warnings raised in a worker thread (a library's deprecation notice, say): Node would print them as text
// on stderr; they are handed to the main thread instead, which logs them as JSON like its own (and, with
// `--workers N`, once for the process group).
import { BroadcastChannel } from 'node:worker_threads'

const channelName = 'openai-api-route:thread-warnings'

export interface ThreadWarning {
  readonly name: string
  readonly message: string
}

/** In a worker thread: its warnings go to the main thread, not to stderr. */
export function sendThreadWarnings(): void {
  const channel = new BroadcastChannel(channelName)
  // The channel must not keep the thread alive.
  channel.unref()
  // Node prints warnings through its own listener: replaced, not joined.
  process.removeAllListeners('warning')
  process.on('warning', (warning) => channel.postMessage({ name: warning.name, message: warning.message } satisfies ThreadWarning))
}

/** In the main thread: calls `onWarning` with each warning a worker thread sends. Returns a function that stops listening. */
export function receiveThreadWarnings(onWarning: (warning: ThreadWarning) => void): () => void {
  const channel = new BroadcastChannel(channelName)
  channel.unref()
  channel.onmessage = (event) => {
    const data = (event as MessageEvent).data as Partial<ThreadWarning> | null
    if (typeof data?.name === 'string' && typeof data.message === 'string') onWarning({ name: data.name, message: data.message })
  }
  return () => channel.close()
}
