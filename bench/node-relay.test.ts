import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { AddressInfo, Server } from 'node:net'
import { request } from 'undici'
import { chatRequestBody } from './chat-request.js'
import { createMockUpstream } from './mock-upstream.js'
import { createNodeRelay } from './node-relay.js'

async function listening(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function post(origin: string, body: Buffer): Promise<{ status: number; type: string; text: string }> {
  const response = await request(`${origin}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  return { status: response.statusCode, type: String(response.headers['content-type']), text: await response.body.text() }
}

test('the node relay answers what the mock answers, streams and plain answers alike', async (t) => {
  const mock = createMockUpstream({ chunks: 5, chunkGapMs: 0 })
  const mockOrigin = await listening(mock)
  const relay = createNodeRelay(mockOrigin)
  const relayOrigin = await listening(relay)
  t.after(() => {
    relay.closeAllConnections()
    relay.close()
    mock.close()
  })
  for (const body of [chatRequestBody(false), chatRequestBody(true, { chunks: 5, chunkGapMs: 1 })]) {
    const direct = await post(mockOrigin, body)
    const relayed = await post(relayOrigin, body)
    assert.equal(relayed.status, 200)
    assert.equal(relayed.type, direct.type)
    assert.equal(relayed.text.replace(/"created":\d+/g, ''), direct.text.replace(/"created":\d+/g, ''))
  }
})
