import assert from 'node:assert/strict'
import { createServer, request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { chunkOf, lastChunk, takeOverChunking } from './chunked-coding.js'

test('a chunk is its size in hex, CRLF, the bytes, CRLF', () => {
  assert.equal(chunkOf(Buffer.from('data: hi\n\n')).toString('latin1'), 'a\r\ndata: hi\n\n\r\n')
  assert.equal(chunkOf(Buffer.alloc(300, 'x')).subarray(0, 5).toString('latin1'), '12c\r\n')
  assert.equal(lastChunk.toString('latin1'), '0\r\n\r\n')
})

/** Raw bytes of one response from a server whose handler takes the chunking over (or not). */
async function rawResponse(httpVersion: '1.0' | '1.1'): Promise<{ raw: string; tookOver: boolean }> {
  let tookOver = false
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    tookOver = takeOverChunking(res)
    const event = Buffer.from('data: one\n\n')
    res.write(tookOver ? chunkOf(event) : event)
    res.end(tookOver ? lastChunk : undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const { port } = server.address() as AddressInfo
    const { connect } = await import('node:net')
    const socket = connect(port, '127.0.0.1')
    socket.write(`GET / HTTP/${httpVersion}\r\nHost: x\r\n\r\n`)
    let raw = ''
    socket.setEncoding('latin1').on('data', (text: string) => (raw += text))
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (raw.endsWith('0\r\n\r\n') || (httpVersion === '1.0' && raw.includes('data: one\n\n'))) resolve()
      }
      socket.on('data', check)
      socket.on('end', resolve)
    })
    socket.destroy()
    return { raw, tookOver }
  } finally {
    server.close()
  }
}

test('an HTTP/1.1 stream: node:http keeps its chunked header and writes our framing untouched', async () => {
  const { raw, tookOver } = await rawResponse('1.1')
  assert.equal(tookOver, true)
  assert.match(raw, /\r\ntransfer-encoding: chunked\r\n/i)
  assert.match(raw, /\r\nconnection: keep-alive\r\n/i)
  assert.ok(raw.endsWith('\r\n\r\nb\r\ndata: one\n\n\r\n0\r\n\r\n'), JSON.stringify(raw))
})

test('an HTTP/1.0 client gets no chunked coding: nothing is taken over', async () => {
  const { raw, tookOver } = await rawResponse('1.0')
  assert.equal(tookOver, false)
  assert.doesNotMatch(raw, /transfer-encoding/i)
  assert.ok(raw.endsWith('\r\n\r\ndata: one\n\n'), JSON.stringify(raw))
})

test('a real client reads the body whole', async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    takeOverChunking(res)
    for (const text of ['data: a\n\n', 'data: b\n\n']) res.write(chunkOf(Buffer.from(text)))
    res.end(lastChunk)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const { port } = server.address() as AddressInfo
    const body = await new Promise<string>((resolve, reject) => {
      request({ port, host: '127.0.0.1' }, (res: IncomingMessage) => {
        let text = ''
        res
          .setEncoding('utf8')
          .on('data', (part: string) => (text += part))
          .on('end', () => resolve(text))
      })
        .on('error', reject)
        .end()
    })
    assert.equal(body, 'data: a\n\ndata: b\n\n')
  } finally {
    server.close()
  }
})
