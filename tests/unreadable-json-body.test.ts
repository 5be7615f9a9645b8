// A body declared or looking like JSON that the gateway cannot read as one JSON object is refused with OpenAI's
// 400, through the real gateway: routed by its path instead, its model would slip past a deny entry, while an
// upstream that reads a byte order mark or NaN (Python's json does) would still serve that model.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { completion, json } from './helpers/fake-upstream.js'
import { openRawConnection, type RawAnswer } from './helpers/raw-connection.js'
import { fakeUpstreamFor } from './helpers/scripted-gateway.js'
import { startTestGateway } from './helpers/test-gateway.js'

test('a JSON body the scanner cannot read gets 400 and reaches no upstream; a model entry of deny holds', async (t) => {
  const upstream = await fakeUpstreamFor(t, json(200, completion('ok')))
  const gw = await startTestGateway(
    `authorization: member-key\nupstreams:\n  - { sk: sk-up, endpoint: "${upstream.endpoint}", deny: [gpt-4] }\n`,
  )
  t.after(() => gw.shutdown(1000))
  const post = async (body: Buffer, contentType?: string): Promise<RawAnswer> => {
    const connection = await openRawConnection(gw.url)
    const type = contentType === undefined ? '' : `content-type: ${contentType}\r\n`
    await connection.write(
      Buffer.concat([
        Buffer.from(
          `POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer member-key\r\n${type}content-length: ${body.length}\r\n\r\n`,
        ),
        body,
      ]),
    )
    const answer = await connection.answer
    connection.socket.destroy()
    return answer
  }
  const bom = Buffer.from([0xef, 0xbb, 0xbf])
  const attempts: Array<[Buffer, string | undefined]> = [
    [Buffer.concat([bom, Buffer.from('{"model":"gpt-4","messages":[]}')]), undefined],
    [Buffer.concat([bom, Buffer.from('{"model":"gpt-4","messages":[]}')]), 'application/json'],
    [Buffer.from('{"model":"gpt-4","messages":[],"temperature":NaN}'), 'application/json'],
    [Buffer.from('{"model":"gpt-4","messages":[],}'), 'application/json'],
  ]
  for (const [body, contentType] of attempts) {
    const answer = await post(body, contentType)
    assert.equal(answer.status, 400, body.toString('latin1'))
    const error = (JSON.parse(answer.body) as { error: Record<string, unknown> }).error
    assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type'])
    assert.equal(error['type'], 'invalid_request_error')
    assert.equal(error['code'], 'invalid_request')
    assert.match(String(error['message']), /^We could not parse the JSON body of your request/)
  }
  assert.equal(upstream.requests.length, 0)
  // The denied model, readable, is refused as before; another model passes.
  assert.equal((await post(Buffer.from('{"model":"gpt-4","messages":[]}'), 'application/json')).status, 404)
  assert.equal((await post(Buffer.from('{"model":"gpt-4o","messages":[]}'), 'application/json')).status, 200)
  assert.equal(upstream.requests.length, 1)
})
