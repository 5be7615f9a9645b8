// Matrix: the client-server send URL, the request, and error answers (with the server's requested wait).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AlertHttpRequest } from './alert-http.js'
import { AlertSendError } from './alert-send-error.js'
import { checkMatrixAnswer, legacyMatrixSink, matrixSendUrl, matrixSink } from './matrix-sink.js'

test('room id and transaction id are path-encoded; a trailing slash on the homeserver is dropped', () => {
  assert.equal(
    matrixSendUrl('https://matrix.example.org/', '!room:example.org', 'oar1.2'),
    'https://matrix.example.org/_matrix/client/v3/rooms/!room%3Aexample.org/send/m.room.message/oar1.2',
  )
})

test('PUT with the access token and an m.text body', async () => {
  const requests: AlertHttpRequest[] = []
  const sink = matrixSink({
    homeserver: 'https://hs',
    accessToken: 'tok',
    roomId: '!r:hs',
    label: 'matrix[0]',
    http: async (request) => {
      requests.push(request)
      return { status: 200, headers: {}, body: '{"event_id":"$e"}' }
    },
  })
  await sink.send({ id: 'txn-1', text: 'hello' })
  assert.equal(requests[0]?.method, 'PUT')
  assert.equal(requests[0]?.url, 'https://hs/_matrix/client/v3/rooms/!r%3Ahs/send/m.room.message/txn-1')
  assert.equal(requests[0]?.headers['authorization'], 'Bearer tok')
  assert.deepEqual(JSON.parse(requests[0]?.body ?? ''), { msgtype: 'm.text', body: 'hello' })
})

test('errors carry the errcode and the wait the server asked for', () => {
  const failure = (status: number, headers: Record<string, string>, body: string): AlertSendError => {
    try {
      checkMatrixAnswer(status, headers, body)
    } catch (error) {
      assert.ok(error instanceof AlertSendError)
      return error
    }
    throw new Error('expected a failure')
  }
  const limited = failure(429, {}, '{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":2000}')
  assert.equal(limited.message, 'HTTP 429 M_LIMIT_EXCEEDED')
  assert.equal(limited.retryAfterMs, 2000)
  assert.equal(failure(429, { 'retry-after': '3' }, 'slow down').retryAfterMs, 3000)
  assert.equal(failure(401, {}, '{"errcode":"M_UNKNOWN_TOKEN"}').message, 'HTTP 401 M_UNKNOWN_TOKEN')
  assert.equal(failure(502, {}, '<html>').code, 'alert_status')
})

test('the predecessor\'s MATRIX_API form: POST {"message":"m.text","body":...}', async () => {
  const requests: AlertHttpRequest[] = []
  const sink = legacyMatrixSink({
    url: 'http://bridge/send',
    label: 'matrix (MATRIX_API)',
    http: async (request) => {
      requests.push(request)
      return { status: 500, headers: {}, body: '' }
    },
  })
  await assert.rejects(
    sink.send({ id: 'x', text: 'hi' }),
    (error: unknown) => error instanceof AlertSendError && error.code === 'alert_status',
  )
  assert.equal(requests[0]?.method, 'POST')
  assert.deepEqual(JSON.parse(requests[0]?.body ?? ''), { message: 'm.text', body: 'hi' })
})
