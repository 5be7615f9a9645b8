// AnthropicResponseSink: an answer the gateway cannot translate is the upstream's fault, upstream_bad_response (its
// in-band error events are covered by the adapter's tests).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RecordingSink } from '../../../tests/helpers/recording-sink.js'
import type { GatewayError } from '../../errors/gateway-error.js'
import { maxTranslatedBodyBytes } from '../body-buffer.js'
import { OpenAIResponseWriter } from '../openai-response-writer.js'
import type { AttemptControl } from '../provider-adapter.js'
import { AnthropicResponseSink } from './anthropic-response-sink.js'

function answerSink(stream: boolean): { sink: AnthropicResponseSink; recorded: RecordingSink; aborts: GatewayError[] } {
  const recorded = new RecordingSink()
  const aborts: GatewayError[] = []
  const sink = new AnthropicResponseSink(new OpenAIResponseWriter(recorded), {
    stream,
    includeUsage: false,
    created: 1_700_000_000,
    model: 'claude-sonnet-4-5',
    upstreamName: 'claude',
    maxEventBytes: 1024 * 1024,
  })
  const control: AttemptControl = { abort: (error) => aborts.push(error), resume: () => undefined }
  sink.attach(control)
  return { sink, recorded, aborts }
}

test('a 200 body larger than a chat completion can be fails over as upstream_bad_response and stops the upstream', async () => {
  const { sink, recorded, aborts } = answerSink(false)
  sink.onResponseStart(200, ['content-type', 'application/json'])
  sink.onResponseData(Buffer.alloc(maxTranslatedBodyBytes + 1))
  const response = await recorded.finished
  assert.equal(response.error?.code, 'upstream_bad_response')
  assert.equal(response.error?.retryable, true)
  assert.deepEqual(
    aborts.map((error) => error.code),
    ['upstream_bad_response'],
  )
})

test('a 200 that is not a Messages API message is upstream_bad_response', async () => {
  const { sink, recorded } = answerSink(false)
  sink.onResponseStart(200, ['content-type', 'application/json'])
  sink.onResponseData(Buffer.from('{"hello":"not a message"}'))
  sink.onResponseEnd()
  const response = await recorded.finished
  assert.equal(response.error?.code, 'upstream_bad_response')
  assert.equal(response.error?.retryable, true)
})
