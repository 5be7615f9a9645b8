// refuseBody: the 413 is readable at once, the connection closes only after the body is drained or the linger deadline.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { test, type TestContext } from 'node:test'
import type { Clock } from '../time/clock.js'
import { ManualClock } from '../time/manual-clock.js'
import { tooLarge } from './read-body.js'
import { refuseBody, refusedBodyLingerMs } from './refuse-body.js'

async function refusingServer(t: TestContext, clock: Clock): Promise<number> {
  const server: Server = createServer((req, res) => refuseBody(req, res, tooLarge(10), { requestId: 'req-1', clock }))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return (server.address() as AddressInfo).port
}

/** Sends a request head declaring 1 MB and the first `bytes` of it; resolves with the socket once the whole 413 arrived. */
function startUpload(port: number, bytes: number): Promise<{ socket: Socket; text: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    const closed = new Promise<void>((done) => socket.once('close', () => done()))
    socket.on('error', reject)
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1')
      const split = received.indexOf('\r\n\r\n')
      const length = Number(/content-length: (\d+)/i.exec(received)?.[1] ?? -1)
      if (split !== -1 && received.length - split - 4 === length) resolve({ socket, text: () => received, closed })
    })
    socket.write(`POST /v1/x HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000\r\n\r\n`)
    socket.write(Buffer.alloc(bytes, 0x20))
  })
}

test('the whole 413 is readable while the client is still sending, and the connection stays open', async (t) => {
  const clock = new ManualClock()
  const port = await refusingServer(t, clock)
  const { socket, text, closed } = await startUpload(port, 1000)
  assert.match(text(), /^HTTP\/1\.1 413 /)
  assert.match(text(), /\r\nconnection: close\r\n/i)
  assert.match(text(), /\r\nx-request-id: req-1\r\n/i)
  assert.match(text(), /"code":"request_too_large"/)
  assert.equal(clock.pending, 1, 'the linger deadline is armed')
  // Sending the rest is accepted; then the server closes.
  socket.end(Buffer.alloc(1_000_000 - 1000, 0x20))
  await closed
  assert.equal(clock.pending, 0, 'the deadline is cleared once the body is drained')
})

test('a client that stops sending is cut off at the linger deadline', { timeout: 10_000 }, async (t) => {
  const clock = new ManualClock()
  const port = await refusingServer(t, clock)
  const { closed } = await startUpload(port, 10)
  assert.equal(clock.pending, 1)
  clock.advance(refusedBodyLingerMs - 1)
  assert.equal(clock.pending, 1, 'still lingering just before the deadline')
  clock.advance(1)
  await closed
})
