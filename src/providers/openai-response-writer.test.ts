// OpenAIResponseWriter: a stream starts with its first visible chunk; whole answers carry their length.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RecordingSink, sseData } from '../../tests/helpers/recording-sink.js'
import { GatewayError } from '../errors/gateway-error.js'
import { chunkOf, type ChatCompletionChunk, type OpenAIErrorBody } from './openai-chat.js'
import { keptUpstreamHeaders, OpenAIResponseWriter } from './openai-response-writer.js'

const identity = { id: 'c1', created: 1, model: 'm' }

test('held chunks start nothing; the first written chunk starts the stream and carries them', async () => {
  const sink = new RecordingSink()
  const writer = new OpenAIResponseWriter(sink)
  writer.useHeaders(['request-id', 'r1'])
  writer.holdChunk(chunkOf(identity, { role: 'assistant', content: '' }))
  assert.equal(sink.status, undefined)
  assert.equal(writer.started, false)
  writer.writeChunk(chunkOf(identity, { content: 'Hi' }))
  assert.equal(sink.status, 200)
  assert.deepEqual(sink.headers, ['content-type', 'text/event-stream; charset=utf-8', 'cache-control', 'no-cache', 'request-id', 'r1'])
  assert.equal(sink.chunks.length, 1, 'held and visible chunk go out together')
  writer.endStream()
  const response = await sink.finished
  assert.deepEqual(
    sseData(response.body).map((d) => (d === '[DONE]' ? d : (JSON.parse(d) as ChatCompletionChunk).choices[0]?.delta)),
    [{ role: 'assistant', content: '' }, { content: 'Hi' }, '[DONE]'],
  )
})

test('an error before the stream started can still be a whole error answer', async () => {
  const sink = new RecordingSink()
  const writer = new OpenAIResponseWriter(sink)
  writer.holdChunk(chunkOf(identity, { role: 'assistant', content: '' }))
  writer.sendJson(529, { error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } })
  const response = await sink.finished
  assert.equal(response.status, 529)
  assert.equal(sink.header('content-length'), String(Buffer.byteLength(response.body)))
  assert.equal((JSON.parse(response.body) as OpenAIErrorBody).error.code, 'overloaded_error')
  writer.fail(new GatewayError('upstream_error', 'late'))
  assert.equal((await sink.finished).error, undefined, 'nothing is reported after the end')
})

test('reject: a malformed request is a 400 answer, anything else fails the attempt', async () => {
  const malformed = new RecordingSink()
  new OpenAIResponseWriter(malformed).reject(
    new GatewayError('invalid_request', 'messages must be a non-empty array', { status: 400, param: 'messages' }),
  )
  const answer = await malformed.finished
  assert.equal(answer.status, 400)
  assert.deepEqual(JSON.parse(answer.body), {
    error: { message: 'messages must be a non-empty array', type: 'invalid_request_error', param: 'messages', code: 'invalid_request' },
  })
  const unsupported = new RecordingSink()
  new OpenAIResponseWriter(unsupported).reject(new GatewayError('upstream_unsupported', 'n other than 1'))
  assert.equal((await unsupported.finished).error?.code, 'upstream_unsupported')
})

test('keptUpstreamHeaders keeps request ids, retry hints and rate limits only', () => {
  const upstream = [
    'content-type',
    'application/json',
    'content-length',
    '10',
    'request-id',
    'r',
    'retry-after',
    '3',
    'anthropic-ratelimit-requests-remaining',
    '9',
    'set-cookie',
    'a=b',
    'x-ratelimit-limit-tokens',
    '5',
  ]
  assert.deepEqual(keptUpstreamHeaders(upstream), [
    'request-id',
    'r',
    'retry-after',
    '3',
    'anthropic-ratelimit-requests-remaining',
    '9',
    'x-ratelimit-limit-tokens',
    '5',
  ])
})
