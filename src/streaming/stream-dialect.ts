// Which commit rule a relayed stream follows, chosen once per request from its path. Only the chat APIs have a
// classifier that knows which of their events the client must see; any other API's stream commits at its first
// event, since holding events the gateway cannot read only delays the answer (and a stream of small events would
// be held until 16 KiB or its end). Each dialect's rule is applied by classifyEvent.

export const streamDialects = ['chat', 'opaque'] as const
/** `chat`: chat and legacy completions chunks, held while role-only or empty; `opaque`: any other API's events. */
export type StreamDialect = (typeof streamDialects)[number]

/** Paths (after `/v1`) whose chunks the chat classifier reads: both carry `choices[]` (`delta` or `text`). */
const chatPaths: ReadonlySet<string> = new Set(['/chat/completions', '/completions'])

/** `path`: the client path after `/v1`, with or without its query string. */
export function streamDialectFor(path: string): StreamDialect {
  const q = path.indexOf('?')
  return chatPaths.has(q === -1 ? path : path.slice(0, q)) ? 'chat' : 'opaque'
}
