// Anthropic errors to OpenAI error bodies: the status decides failover, so it must be the right one.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { statusFailsOver } from '../../relay/failover-policy.js'
import { anthropicErrorToOpenAI, anthropicStreamErrorToOpenAI } from './anthropic-error-to-openai.js'

const body = (type: string, message: string): string => JSON.stringify({ type: 'error', error: { type, message } })

const table: [status: number, type: string, openaiType: string, failsOver: boolean][] = [
  [400, 'invalid_request_error', 'invalid_request_error', false],
  [401, 'authentication_error', 'authentication_error', true],
  [403, 'permission_error', 'authentication_error', true],
  [404, 'not_found_error', 'invalid_request_error', false],
  [413, 'request_too_large', 'invalid_request_error', false],
  [429, 'rate_limit_error', 'rate_limit_error', true],
  [500, 'api_error', 'server_error', true],
  [529, 'overloaded_error', 'server_error', true],
]

for (const [status, type, openaiType, failsOver] of table) {
  test(`HTTP ${status} ${type} → ${openaiType}, ${failsOver ? 'fails over' : "the client's answer"}`, () => {
    const translated = anthropicErrorToOpenAI(status, body(type, `about ${type}`))
    assert.deepEqual(translated, { status, body: { error: { message: `about ${type}`, type: openaiType, param: null, code: type } } })
    assert.equal(statusFailsOver(translated.status), failsOver)
  })
}

test('a body that is not Anthropic JSON is quoted in the message', () => {
  assert.deepEqual(anthropicErrorToOpenAI(502, '<html>Bad gateway</html>'), {
    status: 502,
    body: { error: { message: 'Anthropic answered 502: <html>Bad gateway</html>', type: 'server_error', param: null, code: null } },
  })
  assert.equal(anthropicErrorToOpenAI(503, '').body.error.message, 'Anthropic answered 503')
})

test('stream error events get the status their type has over HTTP', () => {
  assert.deepEqual(anthropicStreamErrorToOpenAI('overloaded_error', 'Overloaded'), {
    status: 529,
    body: { error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } },
  })
  assert.equal(anthropicStreamErrorToOpenAI('invalid_request_error', 'x').status, 400)
  assert.equal(anthropicStreamErrorToOpenAI('brand_new_error', 'x').status, 500)
})
