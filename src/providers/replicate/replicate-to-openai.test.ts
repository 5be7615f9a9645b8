// Replicate answers to OpenAI's: completions from predictions, failures and HTTP errors with their failover class.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { prediction, succeeded } from '../../../tests/helpers/replicate-wire.js'
import { statusFailsOver } from '../../relay/failover-policy.js'
import { predictionOf } from './replicate-prediction.js'
import { outputText, predictionFailure, predictionToOpenAI, replicateErrorToOpenAI } from './replicate-to-openai.js'

test('a succeeded prediction: joined output, usage from metrics', () => {
  const p = predictionOf(prediction('https://api.replicate.com', succeeded(['Hel', 'lo', '!'], 20, 3)))
  assert.ok(p)
  assert.deepEqual(predictionToOpenAI(p, 'mistralai/mixtral-8x7b-instruct-v0.1', 1700000000), {
    id: 'ufawqhfynnddngldkgtslldrkq',
    object: 'chat.completion',
    created: 1700000000,
    model: 'mistralai/mixtral-8x7b-instruct-v0.1',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!', refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 20, completion_tokens: 3, total_tokens: 23 },
  })
})

test('without token counts there is no usage rather than a made-up one', () => {
  const p = predictionOf(prediction('https://api.replicate.com', { status: 'succeeded', output: 'text', metrics: { predict_time: 1 } }))
  assert.ok(p)
  assert.equal(predictionToOpenAI(p, 'm', 1).usage, undefined)
})

test('output shapes', () => {
  assert.equal(outputText(['a', 'b']), 'ab')
  assert.equal(outputText('ab'), 'ab')
  assert.equal(outputText(null), '')
  assert.equal(outputText({ text: 'x' }), '{"text":"x"}')
})

test('failed and canceled predictions are 502 answers: they fail over', () => {
  assert.deepEqual(predictionFailure('failed', 'CUDA out of memory'), {
    status: 502,
    body: { error: { message: 'The prediction failed: CUDA out of memory', type: 'server_error', param: null, code: 'prediction_failed' } },
  })
  assert.deepEqual(predictionFailure('canceled', null).body.error, {
    message: 'The prediction ended with status canceled',
    type: 'server_error',
    param: null,
    code: 'prediction_canceled',
  })
  assert.equal(statusFailsOver(predictionFailure('failed', null).status), true)
})

test('HTTP errors keep their status and read the problem detail', () => {
  const table: [number, string, string, boolean][] = [
    [
      401,
      JSON.stringify({ title: 'Unauthenticated', detail: 'You did not pass a valid authentication token', status: 401 }),
      'You did not pass a valid authentication token',
      true,
    ],
    [
      404,
      JSON.stringify({ title: 'Not found', detail: 'The requested resource could not be found.', status: 404 }),
      'The requested resource could not be found.',
      false,
    ],
    [422, JSON.stringify({ title: 'Input validation failed', status: 422, invalid_fields: [] }), 'Input validation failed', false],
    [
      429,
      JSON.stringify({ title: 'Request was throttled.', detail: 'Request was throttled. Expected available in 1 second.', status: 429 }),
      'Request was throttled. Expected available in 1 second.',
      true,
    ],
    [502, 'bad gateway', 'Replicate answered 502: bad gateway', true],
  ]
  for (const [status, body, message, failsOver] of table) {
    const translated = replicateErrorToOpenAI(status, body)
    assert.equal(translated.status, status)
    assert.equal(translated.body.error.message, message)
    assert.equal(statusFailsOver(translated.status), failsOver)
  }
})

test('predictionOf refuses what is not a prediction', () => {
  assert.equal(predictionOf({ detail: 'x' }), undefined)
  assert.equal(predictionOf('x'), undefined)
  assert.equal(predictionOf({ id: 'a', status: 'failed', error: { message: 'boom' } })?.error, '{"message":"boom"}')
})
