// routingFields: model and stream from a JSON body, found by the scanner; anything else leaves the model undefined.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { GatewayError } from '../errors/gateway-error.js'
import { routingFields } from './routing-fields.js'

const body = (text: string): Buffer => Buffer.from(text)

test('model and stream come from a JSON body', async () => {
  const fields = await routingFields(body('{"model":"gpt-4o","stream":true,"messages":[]}'), 'application/json')
  assert.equal(fields.model, 'gpt-4o')
  assert.equal(fields.stream, true)
  assert.ok(fields.scan)
})

test('stream is true only for the JSON value true', async () => {
  for (const value of ['false', '"true"', '1', 'null', '{}']) {
    assert.equal((await routingFields(body(`{"model":"m","stream":${value}}`), 'application/json')).stream, false, value)
  }
  assert.equal((await routingFields(body('{"model":"m"}'), 'application/json')).stream, false)
})

test('escaped model names are unescaped; the last duplicate wins, as in JSON.parse', async () => {
  assert.equal((await routingFields(body('{"model":"gpt-4o\\u002dmini"}'), 'application/json')).model, 'gpt-4o-mini')
  assert.equal((await routingFields(body('{"model":"a","model":"b","stream":true,"stream":false}'), 'application/json')).model, 'b')
  assert.equal((await routingFields(body('{"model":"a","stream":true,"stream":false}'), 'application/json')).stream, false)
})

test('a JSON body without a usable model has none', async () => {
  for (const text of ['{"input":"x"}', '{"model":""}', '{"model":42}', '{"model":["gpt-4o"]}', '{"x":{"model":"gpt-4o"}}']) {
    assert.equal((await routingFields(body(text), 'application/json')).model, undefined, text)
  }
})

test('a multipart upload has no model even when a part says model, whatever its boundary', async () => {
  const multipart = body('--json\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--json--\r\n')
  for (const contentType of ['multipart/form-data; boundary=json', 'Multipart/Form-Data; boundary="application/json"']) {
    assert.deepEqual(await routingFields(multipart, contentType), { model: undefined, stream: false, scan: undefined })
  }
})

test('JSON is recognised by its media type, in any case and with parameters', async () => {
  for (const contentType of ['application/json', 'Application/JSON; charset=utf-8', 'application/vnd.api+json']) {
    assert.equal((await routingFields(body('{"model":"m"}'), contentType)).model, 'm', contentType)
  }
})

test('a body declared or looking like JSON that is not one JSON object is refused, as OpenAI refuses it', async () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf])
  const refused: Array<[Buffer, string | undefined]> = [
    [body('{"model": "x" broken'), 'application/json'],
    [body('{"model":"x"}{"model":"y"}'), 'application/json'],
    [body('{"model":"gpt-4","n":NaN}'), 'application/json'],
    [body('{"model":"gpt-4","n":Infinity}'), undefined],
    [Buffer.concat([bom, body('{"model":"gpt-4"}')]), undefined],
    [Buffer.concat([bom, body('{"model":"gpt-4"}')]), 'application/json'],
    [body('[{"model":"gpt-4o"}]'), 'application/json'],
    [body('"gpt-4o"'), 'application/json'],
    [body('{"model":"gpt-4"'), 'application/json; charset=utf-8'],
    [body('{"model":"gpt-4",}'), 'text/plain'],
  ]
  for (const [bytes, contentType] of refused) {
    await assert.rejects(
      routingFields(bytes, contentType),
      (error: GatewayError) => {
        assert.equal(error.code, 'invalid_request')
        assert.equal(error.status, 400)
        assert.match(error.message, /could not parse the JSON body/)
        return true
      },
      bytes.toString('latin1'),
    )
  }
})

test('a body that is neither declared nor looking like JSON has no model; a JSON object without content-type is still read', async () => {
  assert.equal((await routingFields(body('model=gpt-4o'), 'application/x-www-form-urlencoded')).model, undefined)
  assert.equal((await routingFields(body(' \n{"model":"gpt-4o"}'), undefined)).model, 'gpt-4o')
  assert.equal((await routingFields(null, 'application/json')).model, undefined)
})

test('a deeply nested body is read without recursion', async () => {
  const depth = 1_000_000
  const deep = Buffer.concat([
    Buffer.from('{"stream":true,"x":'),
    Buffer.alloc(depth, '['),
    Buffer.alloc(depth, ']'),
    Buffer.from(',"model":"m"}'),
  ])
  const fields = await routingFields(deep, 'application/json')
  assert.equal(fields.model, 'm')
  assert.equal(fields.stream, true)
})
