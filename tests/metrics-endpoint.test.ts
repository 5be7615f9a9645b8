// The scrape endpoint itself: the optional metrics key, methods, and in-flight gauges while a stream is open.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { chunk, sse, startFakeUpstream } from './helpers/fake-upstream.js'
import { parseSamples, sumOf } from './helpers/prometheus-samples.js'
import { startTestGateway } from './helpers/test-gateway.js'

test('with metrics.key, a scrape needs it; without the key, or with another, it gets 401', async () => {
  const upstream = await startFakeUpstream()
  const gateway = await startTestGateway(
    `metrics:\n  key: scrape-secret\nupstreams:\n  - endpoint: ${upstream.endpoint}\n    noauth: true\n`,
  )
  try {
    for (const path of ['/metrics', '/v1/metrics']) {
      assert.equal((await fetch(`${gateway.url}${path}`)).status, 401)
      const wrong = await fetch(`${gateway.url}${path}`, { headers: { authorization: 'Bearer nope' } })
      assert.equal(wrong.status, 401)
      assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'invalid_api_key')
      const right = await fetch(`${gateway.url}${path}`, { headers: { authorization: 'Bearer scrape-secret' } })
      assert.equal(right.status, 200)
      assert.match(await right.text(), /^# HELP openai_api_route_requests_total /m)
    }
    assert.equal(upstream.requests.length, 0, '/v1/metrics is answered by the gateway, never relayed')
  } finally {
    await gateway.shutdown()
    await upstream.close()
  }
})

test('no key is needed by default; only GET and HEAD are served', async () => {
  const upstream = await startFakeUpstream()
  const gateway = await startTestGateway(`upstreams:\n  - endpoint: ${upstream.endpoint}\n    noauth: true\n`)
  try {
    assert.equal((await fetch(`${gateway.url}/metrics`)).status, 200)
    const head = await fetch(`${gateway.url}/metrics`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(await head.text(), '')
    const post = await fetch(`${gateway.url}/v1/metrics`, { method: 'POST', body: '{}' })
    assert.equal(post.status, 405)
    assert.equal(post.headers.get('allow'), 'GET, HEAD')
    assert.equal(upstream.requests.length, 0)
  } finally {
    await gateway.shutdown()
    await upstream.close()
  }
})

test('an open stream counts as an in-flight request and stream until it ends', async () => {
  const upstream = await startFakeUpstream(sse([chunk({ role: 'assistant', content: 'Hel' })], { done: false, then: 'hang' }))
  const gateway = await startTestGateway(`upstreams:\n  - endpoint: ${upstream.endpoint}\n    noauth: true\n`)
  const inFlight = async (): Promise<[number, number]> => {
    const samples = parseSamples(await (await fetch(`${gateway.url}/metrics`)).text())
    return [sumOf(samples, 'openai_api_route_in_flight_requests'), sumOf(samples, 'openai_api_route_in_flight_streams')]
  }
  try {
    const controller = new AbortController()
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, messages: [] }),
      signal: controller.signal,
    })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    assert.deepEqual(await inFlight(), [1, 1])
    controller.abort()
    await gateway.outcomeAt(0)
    assert.deepEqual(await inFlight(), [0, 0])
  } finally {
    await gateway.shutdown()
    await upstream.close()
  }
})
