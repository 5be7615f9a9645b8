// ReplicateStreamSink: an error answer too large to be one is the upstream's fault (upstream_bad_response); a
// prediction that fails after text went out is reported as Replicate's own failure (upstream_reported_error).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RecordingSink } from '../../../tests/helpers/recording-sink.js'
import { maxTranslatedBodyBytes } from '../body-buffer.js'
import { OpenAIResponseWriter } from '../openai-response-writer.js'
import { ReplicateStreamMapper } from './replicate-stream-to-openai.js'
import { ReplicateStreamSink } from './replicate-stream-sink.js'

function streamSink(): { sink: ReplicateStreamSink; recorded: RecordingSink } {
  const recorded = new RecordingSink()
  const mapper = new ReplicateStreamMapper({ id: 'chatcmpl-p1', created: 1_700_000_000, model: 'mistralai/mixtral-8x7b-instruct-v0.1' })
  const callbacks = { complete: () => undefined, predictionOver: () => undefined }
  const sink = new ReplicateStreamSink(
    new OpenAIResponseWriter(recorded),
    mapper,
    { name: 'replicate', maxEventBytes: 1024 * 1024 },
    callbacks,
  )
  return { sink, recorded }
}

test('an error answer larger than one can be is upstream_bad_response, which fails over', async () => {
  const { sink, recorded } = streamSink()
  sink.onResponseStart(500, ['content-type', 'application/json'])
  sink.onResponseData(Buffer.alloc(maxTranslatedBodyBytes + 1))
  const response = await recorded.finished
  assert.equal(response.error?.code, 'upstream_bad_response')
  assert.equal(response.error?.retryable, true)
})

test("a prediction that fails after text went out is upstream_reported_error, carrying Replicate's own reason", async () => {
  const { sink, recorded } = streamSink()
  sink.onResponseStart(200, ['content-type', 'text/event-stream'])
  sink.onResponseData(Buffer.from('event: output\ndata: Hel\n\nevent: error\ndata: {"detail":"CUDA out of memory"}\n\n'))
  const response = await recorded.finished
  assert.match(response.body, /"content":"Hel"/)
  assert.equal(response.error?.code, 'upstream_reported_error')
  assert.equal(response.error?.reported?.code, 'prediction_failed')
  assert.match(response.error?.reported?.message ?? '', /CUDA out of memory/)
})
