// The request the load generator sends: a realistic ~1 KB chat completion (system prompt, a few turns).

const messages = [
  {
    role: 'system',
    content:
      "You are a careful assistant for an online bookshop. Answer in the customer's language, keep answers short, " +
      'never invent order numbers, and when you are unsure ask one clarifying question instead of guessing. ' +
      'Shipping questions: look at the tracking status first; refunds need the order number and a reason.',
  },
  { role: 'user', content: 'Hi! I ordered two books last week and only one of them has arrived so far. Is that normal?' },
  {
    role: 'assistant',
    content:
      'Hello! Yes, that can happen: items ship from different warehouses when one of them is not in stock nearby. ' +
      'Could you tell me the title of the book that has not arrived yet?',
  },
  {
    role: 'user',
    content:
      'It is "The Pragmatic Programmer", 20th anniversary edition. The tracking page says it left the warehouse ' +
      'on Monday but nothing has changed since then. Should I wait or ask for a refund? I need it for a course.',
  },
] as const

/** How the mock upstream should stream its answer; it reads this from `metadata`, which the gateway passes through. */
export interface MockStreamShape {
  readonly chunks: number
  readonly chunkGapMs: number
}

/** The JSON body, encoded once; undici sends the same Buffer for every request. */
export function chatRequestBody(stream: boolean, shape?: MockStreamShape): Buffer {
  // OpenAI's metadata values are strings.
  const metadata = shape === undefined ? undefined : { bench_chunks: String(shape.chunks), bench_chunk_gap_ms: String(shape.chunkGapMs) }
  return Buffer.from(
    JSON.stringify({ model: 'gpt-4o-mini', messages, temperature: 0.2, max_tokens: 256, stream, user: 'bench-customer-42', metadata }),
  )
}
