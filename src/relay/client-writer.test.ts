// ClientWriter: headers at the commit point, chunked coding for streams, backpressure, and the visible end of a
// failed answer, against a fake response.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FakeResponse } from '../../tests/helpers/fake-response.js'
import { GatewayError } from '../errors/gateway-error.js'
import { ClientWriter } from './client-writer.js'
import { SecretRedactor } from '../secrets/secret-redactor.js'

const secret = 'sk-upstream-secret-0123456789'

function writer(res: FakeResponse, counts = { blocked: 0, drained: 0 }): ClientWriter {
  return new ClientWriter(res.asServerResponse(), {
    requestId: 'req-1',
    closeConnection: false,
    redactor: new SecretRedactor([secret]),
    onBlocked: () => counts.blocked++,
    onDrained: () => counts.drained++,
  })
}

test('the head: secrets cut, a changed body described anew, our request id added', () => {
  const res = new FakeResponse()
  writer(res).writeHead(500, ['content-type', 'text/plain', 'content-length', '9', 'x-echo', secret], { change: { contentLength: 3 } })
  const head = res.calls[0]
  assert.ok(head?.call === 'writeHead')
  assert.equal(head.status, 500)
  assert.ok(!head.headers.join(' ').includes(secret))
  assert.ok(head.headers.includes('x-request-id') && head.headers.includes('req-1'))
  assert.equal(head.headers[head.headers.indexOf('content-length') + 1], '3')
})

test('a stream is framed by the writer: one chunk per write, the last chunk at its end', () => {
  const res = new FakeResponse()
  const w = writer(res)
  w.writeHead(200, ['content-type', 'text/event-stream'], { stream: true })
  assert.equal(res.chunkedEncoding, false)
  assert.equal(w.write(Buffer.from('data: a\n\n')), true)
  assert.equal(w.write(Buffer.alloc(0)), true)
  w.end()
  assert.equal(res.body, '9\r\ndata: a\n\n\r\n0\r\n\r\n')
})

test('a plain body goes as it is, and node:http keeps its own framing', () => {
  const res = new FakeResponse()
  const w = writer(res)
  w.writeHead(200, ['content-type', 'application/json'])
  assert.equal(res.chunkedEncoding, true)
  w.write(Buffer.from('{}'))
  w.end()
  assert.equal(res.body, '{}')
})

test('a full buffer blocks once per write and drains back', () => {
  const res = new FakeResponse()
  const counts = { blocked: 0, drained: 0 }
  const w = writer(res, counts)
  w.writeHead(200, [])
  res.full = true
  assert.equal(w.write(Buffer.from('a')), false)
  assert.deepEqual(counts, { blocked: 1, drained: 0 })
  res.drain()
  assert.deepEqual(counts, { blocked: 1, drained: 1 })
  // One 'drain' listener per full buffer: a second drain calls nothing.
  res.drain()
  assert.equal(counts.drained, 1)
  assert.equal(w.write(Buffer.from('b')), true)
})

test('a failed stream ends with an error event in its chunked coding, and no [DONE]', () => {
  const res = new FakeResponse()
  const w = writer(res)
  w.writeHead(200, ['content-type', 'text/event-stream'], { stream: true })
  w.endWithErrorEvent(new GatewayError('upstream_timeout', `timed out ${secret}`))
  const end = res.calls.at(-1)
  assert.ok(end?.call === 'end')
  assert.match(end.bytes, /^[0-9a-f]+\r\ndata: \{"error":\{.*"code":"upstream_timeout".*\}\}\n\n\r\n0\r\n\r\n$/)
  assert.ok(!end.bytes.includes(secret))
})

test('a failed plain body is cut; nothing is written to a destroyed response', () => {
  const res = new FakeResponse()
  const w = writer(res)
  w.writeHead(200, [])
  const error = new GatewayError('upstream_reset', 'reset')
  w.cut(error)
  assert.deepEqual(res.calls.at(-1), { call: 'destroy', error })
  assert.equal(w.write(Buffer.from('late')), false)
  w.endWithErrorEvent(error)
  w.cut(error)
  assert.equal(res.calls.filter((c) => c.call === 'destroy').length, 1)
  assert.ok(!res.body.includes('late'))
})
