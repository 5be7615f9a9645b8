// Requests still running at the shutdown deadline end as `shutting_down`: an SSE error event for a stream that
// had begun, a 503 for one still waiting for its upstream (alert-observer.test.ts: neither is an upstream failure).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { chunk, hang, sse, startFakeUpstream } from './helpers/fake-upstream.js'
import { startTestGateway } from './helpers/test-gateway.js'
import { eventually } from './helpers/recording-gateway.js'

const post = (baseURL: string, stream: boolean): Promise<Response> =>
  fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'hi' }] }),
  })

test('a stream and a waiting request cut by the shutdown deadline end with shutting_down', async () => {
  const streaming = await startFakeUpstream(sse([chunk({ role: 'assistant', content: 'Hel' })], { done: false, then: 'hang' }))
  const waiting = await startFakeUpstream(hang())
  const gw = await startTestGateway(
    [
      'authorization: k',
      'timeout: 600',
      'stream_timeout: 600',
      'idle_timeout: 600',
      'upstreams:',
      `  - {name: streaming, sk: sk-a, endpoint: "${streaming.endpoint}", allow: [gpt-4o]}`,
      '',
    ].join('\n'),
  )
  const gwWaiting = await startTestGateway(
    ['authorization: k', 'timeout: 600', 'upstreams:', `  - {name: waiting, sk: sk-b, endpoint: "${waiting.endpoint}"}`, ''].join('\n'),
  )
  try {
    const streamResponse = await post(gw.baseURL, true)
    assert.equal(streamResponse.status, 200)
    const reader = streamResponse.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>
    let text = ''
    while (!text.includes('Hel')) text += new TextDecoder().decode((await reader.read()).value)
    const waitingResponse = post(gwWaiting.baseURL, false)
    await eventually(() => waiting.requests.length === 1, 'the upstream has the request')

    await Promise.all([gw.shutdown(100), gwWaiting.shutdown(100)])

    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    const last = text.trim().split('\n\n').at(-1) as string
    assert.match(last, /^data: /)
    const event = JSON.parse(last.slice('data: '.length)) as { error: { code: string; type: string } }
    assert.equal(event.error.code, 'shutting_down')
    assert.ok(!text.includes('[DONE]'))
    const answer = await waitingResponse
    assert.equal(answer.status, 503)
    assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'shutting_down')

    const [streamOutcome] = gw.outcomes
    const [waitingOutcome] = gwWaiting.outcomes
    assert.equal(streamOutcome?.errorCode, 'shutting_down')
    assert.equal(streamOutcome?.attempts[0]?.errorCode, 'shutting_down')
    assert.equal(waitingOutcome?.errorCode, 'shutting_down')
    assert.equal(waitingOutcome?.status, 503)
  } finally {
    await gw.shutdown(0)
    await gwWaiting.shutdown(0)
    await streaming.close()
    await waiting.close()
  }
})

test('at the deadline a request in failover tries no further upstream, a half-written binary answer is cut, and a held JSON answer gets 503, all as shutting_down', async () => {
  const failing = await startFakeUpstream((_req, res) => {
    res.writeHead(500, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { message: 'boom', type: 'server_error', param: null, code: null } }))
  })
  const waiting = await startFakeUpstream(hang())
  const never = await startFakeUpstream(hang())
  // A binary answer (committed at its first byte) whose headers and first bytes went out, and then nothing.
  const halfWritten = await startFakeUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '100' })
    res.write('first bytes')
  })
  // A JSON answer, held until its end: half of it arrived, none of it reached the client.
  const heldJson = await startFakeUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
    res.write('{"id":"chatcmpl-1",')
  })
  const failover = await startTestGateway(
    [
      'authorization: k',
      'timeout: 600',
      'upstreams:',
      `  - {name: failing, sk: sk-a, endpoint: "${failing.endpoint}"}`,
      `  - {name: waiting, sk: sk-b, endpoint: "${waiting.endpoint}"}`,
      `  - {name: never, sk: sk-c, endpoint: "${never.endpoint}"}`,
      '',
    ].join('\n'),
  )
  const half = await startTestGateway(
    [
      'authorization: k',
      'timeout: 600',
      'idle_timeout: 600',
      'upstreams:',
      `  - {name: half, sk: sk-d, endpoint: "${halfWritten.endpoint}"}`,
      '',
    ].join('\n'),
  )
  const held = await startTestGateway(
    [
      'authorization: k',
      'timeout: 600',
      'idle_timeout: 600',
      'upstreams:',
      `  - {name: held, sk: sk-e, endpoint: "${heldJson.endpoint}"}`,
      '',
    ].join('\n'),
  )
  try {
    const heldAnswer = post(held.baseURL, false)
    await eventually(() => heldJson.requests.length === 1, 'the JSON upstream has the request')
    const inFailover = post(failover.baseURL, false)
    await eventually(() => waiting.requests.length === 1, 'the second upstream has the request')
    const halfResponse = await post(half.baseURL, false)
    assert.equal(halfResponse.status, 200)
    // Settled as it happens (a rejection left waiting would be an unhandled one).
    const halfBody = halfResponse.text().then(
      () => 'complete',
      () => 'cut',
    )

    await Promise.all([failover.shutdown(100), half.shutdown(100), held.shutdown(100)])

    // Nothing of the held JSON answer had reached the client: it is told why, in OpenAI's shape.
    const heldResponse = await heldAnswer
    assert.equal(heldResponse.status, 503)
    assert.equal(((await heldResponse.json()) as { error: { code: string } }).error.code, 'shutting_down')
    await eventually(() => held.outcomes.length === 1, 'the held answer is observed')
    assert.equal(held.outcomes[0]?.errorCode, 'shutting_down')

    const answer = await inFailover
    assert.equal(answer.status, 503)
    assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'shutting_down')
    assert.equal(never.requests.length, 0, 'no upstream is tried after the deadline')
    const [failoverOutcome] = failover.outcomes
    assert.equal(failoverOutcome?.errorCode, 'shutting_down')
    assert.deepEqual(
      failoverOutcome?.attempts.map((attempt) => [attempt.upstream, attempt.errorCode]),
      [
        ['failing', 'upstream_status'],
        ['waiting', 'shutting_down'],
      ],
    )

    // A plain body cannot carry an error once begun: the client sees the connection cut, never a complete answer.
    assert.equal(await halfBody, 'cut')
    await eventually(() => half.outcomes.length === 1, 'the cut answer is observed')
    assert.equal(half.outcomes[0]?.errorCode, 'shutting_down')
    assert.equal(half.outcomes[0]?.attempts[0]?.errorCode, 'shutting_down')
  } finally {
    await failover.shutdown(0)
    await half.shutdown(0)
    await held.shutdown(0)
    for (const upstream of [failing, waiting, never, halfWritten, heldJson]) await upstream.close()
  }
})
