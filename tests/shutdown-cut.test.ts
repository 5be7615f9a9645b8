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
  const gwWaiting = await startTestGateway(['authorization: k', 'timeout: 600', 'upstreams:', `  - {name: waiting, sk: sk-b, endpoint: "${waiting.endpoint}"}`, ''].join('\n'))
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
