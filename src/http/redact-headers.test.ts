// redactHeaders: what observers may keep of the client's headers.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { redactHeaders } from './redact-headers.js'

test('credential headers keep their name but lose their value', () => {
  const headers = {
    authorization: 'Bearer client-secret',
    'proxy-authorization': 'Basic c2VjcmV0',
    'api-key': 'azure-secret',
    'x-api-key': 'anthropic-secret',
    cookie: 'session=secret',
    'content-type': 'application/json',
    'user-agent': 'ua/1',
  }
  const redacted = redactHeaders(headers)
  assert.deepEqual(redacted, {
    authorization: '[redacted]',
    'proxy-authorization': '[redacted]',
    'api-key': '[redacted]',
    'x-api-key': '[redacted]',
    cookie: '[redacted]',
    'content-type': 'application/json',
    'user-agent': 'ua/1',
  })
  assert.equal(JSON.stringify(redacted).includes('secret'), false)
  // The request's own headers are left as they were.
  assert.equal(headers.authorization, 'Bearer client-secret')
})

test('headers that were not sent are not invented', () => {
  assert.deepEqual(redactHeaders({ accept: '*/*' }), { accept: '*/*' })
})
