// Nothing before the key, through the real gateway: a stranger's body is never read or parsed (a 32 MiB deeply
// nested one is refused while it is still arriving, and /healthz is answered meanwhile); anonymous bodies for
// noauth upstreams have their own limit; and a body cannot claim a path to reach an upstream opened for it.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { FormData, fetch as undiciFetch } from 'undici'
import { completion, json, type FakeUpstream } from './helpers/fake-upstream.js'
import { openRawConnection, rawExchange } from './helpers/raw-connection.js'
import { fakeUpstreamFor } from './helpers/scripted-gateway.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'
import { waitFor } from './helpers/wait-for.js'

const mib = 1024 * 1024

async function gateway(t: TestContext, yaml: string): Promise<TestGateway> {
  const gw = await startTestGateway(yaml)
  t.after(() => gw.shutdown(1000))
  return gw
}

/** The README's example: a keyed upstream, and an open one for transcriptions alone. */
async function readmeGateway(t: TestContext, topLevel = ''): Promise<{ gw: TestGateway; keyed: FakeUpstream; open: FakeUpstream }> {
  const keyed = await fakeUpstreamFor(t, json(200, completion('keyed')))
  const open = await fakeUpstreamFor(t, json(200, { text: 'hello' }))
  const gw = await gateway(
    t,
    [
      topLevel,
      'authorization: member-key',
      'upstreams:',
      `  - { sk: sk-keyed-secret, endpoint: "${keyed.endpoint}" }`,
      `  - { sk: sk-open-secret, endpoint: "${open.endpoint}", noauth: true, allow: [/v1/audio/transcriptions] }`,
    ].join('\n'),
  )
  return { gw, keyed, open }
}

async function healthz(gw: TestGateway): Promise<number> {
  const res = await fetch(`${gw.url}/healthz`)
  await res.arrayBuffer()
  return res.status
}

test(
  'a 32 MiB deeply nested body without a key is refused while it arrives, and /healthz answers meanwhile',
  { timeout: 60_000 },
  async (t) => {
    const upstream = await fakeUpstreamFor(t, json(200, completion('ok')))
    const gw = await gateway(t, `authorization: member-key\nupstreams:\n  - { sk: sk-up, endpoint: "${upstream.endpoint}" }\n`)
    const head = Buffer.from('{"model":"gpt-4o","messages":')
    const depth = (32 * mib - head.length - 1) / 2
    const body = Buffer.concat([head, Buffer.alloc(Math.floor(depth), '['), Buffer.alloc(Math.floor(depth), ']'), Buffer.from('}')])
    const connection = await openRawConnection(gw.url)
    await connection.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
    )
    await connection.write(body.subarray(0, mib))
    // The refusal comes before the rest of the body is even sent: the key was checked from the head.
    const answer = await connection.answer
    assert.equal(answer.status, 401)
    assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'invalid_api_key')
    assert.equal(await healthz(gw), 200, '/healthz answers while the refused body is still being sent')
    // The rest is accepted (drained, not reset) and /healthz still answers while and after it arrives.
    const sending = (async () => {
      for (let sent = mib; sent < body.length; sent += 4 * mib)
        await connection.write(body.subarray(sent, Math.min(body.length, sent + 4 * mib)))
    })()
    assert.equal(await healthz(gw), 200)
    await sending
    assert.equal(await healthz(gw), 200)
    await connection.closed
    const outcome = await gw.outcomeAt(0)
    assert.equal(outcome.status, 401)
    assert.equal(outcome.bytesIn, 0, 'not one byte of the body was kept')
    assert.equal(upstream.requests.length, 0)
  },
)

test('no key and no noauth upstream: a 401 without reading the body, even when it waits for 100 Continue', async (t) => {
  const upstream = await fakeUpstreamFor(t, json(200, completion('ok')))
  const gw = await gateway(t, `authorization: member-key\nupstreams:\n  - { sk: sk-up, endpoint: "${upstream.endpoint}" }\n`)
  const connection = await openRawConnection(gw.url)
  await connection.write(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer wrong-key\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\nexpect: 100-continue\r\n\r\n`,
  )
  const answer = await connection.answer
  assert.equal(answer.status, 401)
  assert.equal((JSON.parse(answer.body) as { error: { message: string } }).error.message, 'Incorrect API key provided.')
  connection.socket.destroy()
  // A valid key with the same head is invited to send its body.
  const invited = await openRawConnection(gw.url)
  await invited.write(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer member-key\r\ncontent-type: application/json\r\ncontent-length: 18\r\nexpect: 100-continue\r\n\r\n`,
  )
  await waitFor(() => invited.socket.bytesRead > 0, 'the 100 Continue')
  await invited.write('{"model":"gpt-4o"}')
  assert.equal((await invited.answer).status, 200)
  invited.socket.destroy()
})

test('anonymous bodies for a noauth upstream are limited by max_anonymous_body_size; a key keeps max_body_size', async (t) => {
  const { gw, keyed, open } = await readmeGateway(t, 'max_anonymous_body_size: 64KiB')
  const upload = async (key: string | undefined, bytes: number): Promise<number> => {
    const form = new FormData()
    form.append('model', 'whisper-1')
    form.append('file', new Blob([Buffer.alloc(bytes, 1)], { type: 'audio/wav' }), 'a.wav')
    const res = await undiciFetch(`${gw.baseURL}/audio/transcriptions`, {
      method: 'POST',
      headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
      body: form,
    })
    const text = await res.text()
    if (res.status === 413) assert.match(text, /65536/)
    return res.status
  }
  assert.equal(await upload(undefined, 1000), 200)
  assert.equal(await upload(undefined, 128 * 1024), 413)
  assert.equal(await upload('member-key', 128 * 1024), 200)
  assert.equal(open.requests.length, 1)
  assert.ok((keyed.requests[0]?.body.length ?? 0) > 128 * 1024, "the member's upload reached its upstream whole")
})

test('the default anonymous limit is 1 MiB', async (t) => {
  const { gw } = await readmeGateway(t)
  const declared = async (bytes: number): Promise<number> => {
    const answer = await rawExchange(
      gw.url,
      `POST /v1/audio/transcriptions HTTP/1.1\r\nhost: gw\r\ncontent-type: audio/wav\r\ncontent-length: ${bytes}\r\nexpect: 100-continue\r\n\r\n`,
    )
    return answer.status
  }
  assert.equal(await declared(mib + 1), 413)
})

test('a body naming a path as its model reaches no upstream opened for that path (the README config)', async (t) => {
  const { gw, keyed, open } = await readmeGateway(t)
  const trick = '{"model":"/v1/audio/transcriptions"}'
  for (const [method, path] of [
    ['GET', '/v1/files'],
    ['DELETE', '/v1/files/file-123'],
    ['POST', '/v1/chat/completions'],
  ] as const) {
    const answer = await rawExchange(
      gw.url,
      `${method} ${path} HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\ncontent-length: ${trick.length}\r\n\r\n${trick}`,
    )
    assert.equal(answer.status, 401, `${method} ${path}`)
  }
  // A member's body model that looks like a path is a model name too: it is not routed to the open upstream by path.
  const member = await fetch(`${gw.baseURL}/files`, { method: 'GET', headers: { authorization: 'Bearer member-key' } })
  assert.equal(member.status, 200)
  await member.arrayBuffer()
  assert.equal(open.requests.length, 0)
  assert.equal(keyed.requests.length, 1)
  // What the open upstream is for still works without a key.
  const form = new FormData()
  form.append('model', 'whisper-1')
  form.append('file', new Blob([Buffer.from('RIFF....WAVE')], { type: 'audio/wav' }), 'a.wav')
  const res = await undiciFetch(`${gw.baseURL}/audio/transcriptions`, { method: 'POST', body: form })
  assert.equal(res.status, 200)
  await res.arrayBuffer()
  assert.equal(open.requests.length, 1)
  assert.equal(open.requests[0]?.url, '/v1/audio/transcriptions')
})
