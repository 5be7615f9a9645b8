// requestStreamUsage: one field added or one value replaced in the client's bytes, and only for streamed completions.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { routingFields } from '../wire/routing-fields.js'
import { requestStreamUsage } from './stream-usage-request.js'

async function usage(text: string, path = '/chat/completions'): Promise<{ body: string | undefined; asked: boolean }> {
  const body = Buffer.from(text)
  const result = await requestStreamUsage(path, body, await routingFields(body, 'application/json'))
  return { body: result.body?.toString(), asked: result.clientAskedUsage }
}

test('a stream without stream_options gets the field inserted first, every other byte kept', async () => {
  const text = '{ "model" : "m", "stream":true, "x":"h\\u00e9" }'
  assert.deepEqual(await usage(text), {
    body: `{"stream_options":{"include_usage":true}, "model" : "m", "stream":true, "x":"h\\u00e9" }`,
    asked: false,
  })
})

test('stream_options without include_usage gets it added; false or null is replaced', async () => {
  assert.equal((await usage('{"stream":true,"stream_options":{ }}')).body, '{"stream":true,"stream_options":{"include_usage":true }}')
  assert.equal(
    (await usage('{"stream":true,"stream_options":{"x":1}}')).body,
    '{"stream":true,"stream_options":{"include_usage":true,"x":1}}',
  )
  assert.equal(
    (await usage('{"stream":true,"stream_options":{"include_usage":false,"x":1}}')).body,
    '{"stream":true,"stream_options":{"include_usage":true,"x":1}}',
  )
  assert.equal((await usage('{"stream":true,"stream_options":null}')).body, '{"stream":true,"stream_options":{"include_usage":true}}')
})

test('what each upstream body means afterwards: include_usage true, the rest as the client sent it', async () => {
  const cases = [
    '{"stream":true,"model":"m"}',
    '{"stream":true,"stream_options":{"a":[1,{"b":2}]}}',
    '{"stream":true,"stream_options":null,"stream_options":{"include_usage":false}}',
  ]
  for (const text of cases) {
    const sent = JSON.parse((await usage(text)).body ?? '') as { stream_options: Record<string, unknown> }
    const original = JSON.parse(text) as { stream_options?: Record<string, unknown> | null }
    assert.deepEqual(sent, { ...original, stream_options: { ...(original.stream_options ?? {}), include_usage: true } }, text)
  }
})

test('a client that asked for usage itself is told so and its body is unchanged', async () => {
  const text = '{"stream":true,"stream_options":{"include_usage":true}}'
  assert.deepEqual(await usage(text), { body: text, asked: true })
})

test('no change when not streaming, for other paths, or when stream_options is not an object', async () => {
  for (const [text, path] of [
    ['{"model":"m"}', '/chat/completions'],
    ['{"stream":false}', '/chat/completions'],
    ['{"stream":true}', '/embeddings'],
    ['{"stream":true,"stream_options":"x"}', '/chat/completions'],
    ['{"stream":true,"stream_options":[1]}', '/completions'],
  ] as const) {
    assert.deepEqual(await usage(text, path), { body: text, asked: false }, text)
  }
  assert.equal((await usage('{"stream":true}', '/completions?x=1')).body, '{"stream_options":{"include_usage":true},"stream":true}')
})

test('the usage chunk is dropped from a stream only when the gateway asked for it, not the client', async () => {
  const strip = async (text: string, path = '/chat/completions'): Promise<boolean> => {
    const body = Buffer.from(text)
    return (await requestStreamUsage(path, body, await routingFields(body, 'application/json'))).stripUsageChunk
  }
  assert.equal(await strip('{"stream":true}'), true)
  assert.equal(await strip('{"stream":true,"stream_options":{"include_usage":false}}'), true)
  assert.equal(await strip('{"stream":true,"stream_options":{"include_usage":true}}'), false)
  assert.equal(await strip('{"stream":false}'), false)
  assert.equal(await strip('{"model":"m"}'), false)
  // Other paths' bodies are sent unchanged; the client did not ask for usage there either.
  assert.equal(await strip('{"stream":true}', '/embeddings'), true)
})
