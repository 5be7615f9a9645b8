// routingFields: model and stream from a JSON body, else the URL path stands in for the model.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { routingFields } from './routing-fields.js'

const path = '/v1/chat/completions'
const body = (text: string): Buffer => Buffer.from(text)

test('model and stream come from a JSON body', () => {
  const fields = routingFields(body('{"model":"gpt-4o","stream":true,"messages":[]}'), 'application/json', path)
  assert.equal(fields.model, 'gpt-4o')
  assert.equal(fields.stream, true)
  assert.deepEqual(fields.json, { model: 'gpt-4o', stream: true, messages: [] })
})

test('stream is true only for the JSON value true', () => {
  for (const value of ['false', '"true"', '1', 'null']) {
    assert.equal(routingFields(body(`{"model":"m","stream":${value}}`), 'application/json', path).stream, false, value)
  }
  assert.equal(routingFields(body('{"model":"m"}'), 'application/json', path).stream, false)
})

test('a JSON body without a usable model routes by the URL path', () => {
  for (const text of ['{"input":"x"}', '{"model":""}', '{"model":42}', '[{"model":"gpt-4o"}]', '"gpt-4o"']) {
    assert.equal(routingFields(body(text), 'application/json', path).model, path, text)
  }
})

test('a multipart upload routes by the URL path even when a part says model', () => {
  const multipart = body('--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--b--\r\n')
  const fields = routingFields(multipart, 'multipart/form-data; boundary=b', '/v1/audio/transcriptions')
  assert.deepEqual(fields, { model: '/v1/audio/transcriptions', stream: false, json: null })
})

test('a body that is not JSON routes by the path; a JSON object without content-type is still read', () => {
  assert.equal(routingFields(body('{"model": broken'), 'application/json', path).model, path)
  assert.equal(routingFields(body('model=gpt-4o'), 'application/x-www-form-urlencoded', path).model, path)
  assert.equal(routingFields(body(' \n{"model":"gpt-4o"}'), undefined, path).model, 'gpt-4o')
  assert.equal(routingFields(null, 'application/json', '/v1/models').model, '/v1/models')
})
