// BufferedAnswerSink: a whole answer handed over at its end; one too large to be an answer is the upstream's fault.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { GatewayError } from '../errors/gateway-error.js'
import { maxTranslatedBodyBytes } from './body-buffer.js'
import { BufferedAnswerSink, type BufferedAnswer } from './buffered-answer.js'

test('the answer is handed over whole at its end', () => {
  const answers: BufferedAnswer[] = []
  const sink = new BufferedAnswerSink(
    'replicate',
    (answer) => answers.push(answer),
    () => assert.fail('no error expected'),
  )
  sink.onResponseStart(201, ['content-type', 'application/json'])
  sink.onResponseData(Buffer.from('{"id":'))
  sink.onResponseData(Buffer.from('"p1"}'))
  sink.onResponseEnd()
  assert.deepEqual(answers, [{ status: 201, headers: ['content-type', 'application/json'], text: '{"id":"p1"}' }])
})

test('an answer larger than any can be is upstream_bad_response (fails over), reported once, and never handed over', () => {
  const errors: GatewayError[] = []
  const sink = new BufferedAnswerSink(
    'replicate',
    () => assert.fail('no answer expected'),
    (error) => errors.push(error),
  )
  sink.onResponseStart(200, [])
  sink.onResponseData(Buffer.alloc(maxTranslatedBodyBytes))
  assert.equal(errors.length, 0)
  sink.onResponseData(Buffer.from('x'))
  sink.onResponseData(Buffer.from('more'))
  sink.onResponseEnd()
  assert.deepEqual(
    errors.map((error) => [error.code, error.status, error.retryable]),
    [['upstream_bad_response', 502, true]],
  )
})
