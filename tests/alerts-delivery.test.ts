// Alerts against fake Feishu and Matrix servers: an outage of hundreds of failed requests is one incident
// message and one recovery per sink, in each service's wire format; sending never holds up a request.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { startFakeFeishu, startFakeMatrix } from './helpers/fake-chat-services.js'
import { completion, json, openaiError, startFakeUpstream } from './helpers/fake-upstream.js'
import { parseSamples, sumOf } from './helpers/prometheus-samples.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'

/** Sends `count` chat requests, `concurrency` at a time, and returns their statuses. */
async function send(gateway: TestGateway, count: number, concurrency = 10): Promise<number[]> {
  const statuses: number[] = []
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      })
      await response.arrayBuffer()
      statuses.push(response.status)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return statuses
}

test('an upstream outage of hundreds of failed requests: one incident alert and one recovery message per sink', async () => {
  const primary = await startFakeUpstream(openaiError(503, 'overloaded'))
  const backup = await startFakeUpstream(json(200, completion('from backup')))
  const feishu = await startFakeFeishu({ hookId: 'hook-id-is-a-secret', secret: 'feishu-signing-secret' })
  const matrix = await startFakeMatrix({ accessToken: 'matrix-token', roomId: '!ops:example.org' })
  const gateway = await startTestGateway(
    [
      'hostname: gw-test',
      // Without breakers the incident follows the attempts in a row (tests/upstream-health.test.ts: with them).
      'health: { enabled: false }',
      'alerts:',
      '  feishu:',
      `    - webhook: ${feishu.url}`,
      '      secret: ${FEISHU_SECRET}',
      '  matrix:',
      `    - homeserver: ${matrix.url}`,
      '      access_token: ${MATRIX_TOKEN}',
      '      room_id: "!ops:example.org"',
      'upstreams:',
      '  - name: primary',
      `    endpoint: ${primary.endpoint}`,
      '    noauth: true',
      '  - name: backup',
      `    endpoint: ${backup.endpoint}`,
      '    noauth: true',
      '',
    ].join('\n'),
    { FEISHU_SECRET: 'feishu-signing-secret', MATRIX_TOKEN: 'matrix-token' },
  )
  try {
    const during = await send(gateway, 300)
    assert.deepEqual(new Set(during), new Set([200]), 'every request failed over to backup')
    primary.script(json(200, completion('primary is back')))
    const afterwards = await send(gateway, 5, 1)
    assert.deepEqual(afterwards, [200, 200, 200, 200, 200])
    await Promise.all([feishu.waitForMessages(2), matrix.waitForMessages(2)])
    await gateway.observability.alerts.idle()

    for (const service of [feishu, matrix]) {
      assert.equal(service.messages.length, 2)
      assert.deepEqual(
        service.messages.map((m) => m.problems),
        [[], []],
        "each message in the service's wire format",
      )
      const [incident, recovery] = service.messages.map((m) => m.text)
      assert.match(
        incident ?? '',
        /^\[openai-api-route gw-test\] upstream "primary" is failing: 3 attempts in a row failed \(last: upstream_status, HTTP 503\)\.$/,
      )
      assert.match(
        recovery ?? '',
        /^\[openai-api-route gw-test\] upstream "primary" has recovered after \d+s \(failing since .* UTC, 300 failed attempts, last: upstream_status, HTTP 503\)\.$/,
      )
    }
    const everything = JSON.stringify([feishu.messages, matrix.messages, gateway.logs])
    for (const secret of ['hook-id-is-a-secret', 'feishu-signing-secret', 'matrix-token'])
      assert.ok(!everything.includes(secret), `${secret} appears in a message or log`)

    const samples = parseSamples(await (await fetch(`${gateway.url}/metrics`)).text())
    assert.equal(sumOf(samples, 'openai_api_route_alerts_sent_total', { sink: 'feishu' }), 2)
    assert.equal(sumOf(samples, 'openai_api_route_alerts_sent_total', { sink: 'matrix' }), 2)
    assert.equal(sumOf(samples, 'openai_api_route_alerts_suppressed_total', { reason: 'repeat' }), 297)
    assert.equal(sumOf(samples, 'openai_api_route_alert_send_failures_total'), 0)
    assert.equal(sumOf(samples, 'openai_api_route_alert_incidents_open'), 0)
  } finally {
    await gateway.shutdown()
    await Promise.all([primary.close(), backup.close(), feishu.close(), matrix.close()])
  }
})

test("the predecessor's FEISHU_WEBHOOK and MATRIX_API: same incidents, their old wire forms; every upstream failing is its own alert", async () => {
  const only = await startFakeUpstream(openaiError(502, 'bad gateway'))
  const feishu = await startFakeFeishu()
  const matrix = await startFakeMatrix({ accessToken: 'unused', roomId: '!unused:x', legacyPath: '/matrix-api' })
  const gateway = await startTestGateway(
    `health: { enabled: false }\nupstreams:\n  - name: only\n    endpoint: ${only.endpoint}\n    noauth: true\n`,
    {
      FEISHU_WEBHOOK: feishu.url,
      MATRIX_API: matrix.url,
    },
  )
  try {
    const during = await send(gateway, 200)
    assert.deepEqual(new Set(during), new Set([502]))
    await Promise.all([feishu.waitForMessages(2), matrix.waitForMessages(2)])
    only.script(json(200, completion('ok')))
    await send(gateway, 3, 1)
    await Promise.all([feishu.waitForMessages(4), matrix.waitForMessages(4)])
    await gateway.observability.alerts.idle()
    for (const service of [feishu, matrix]) {
      assert.deepEqual(
        service.messages.map((m) => m.problems),
        [[], [], [], []],
      )
      const texts = service.messages.map((m) => m.text)
      assert.equal(texts.length, 4)
      assert.match(
        texts[0] ?? '',
        /every upstream failed for model "gpt-4o-mini": 1 request got no good answer \(last: HTTP 502 upstream_status, 1 upstream tried\)/,
      )
      assert.match(texts[1] ?? '', /upstream "only" is failing: 3 attempts in a row failed/)
      assert.ok(texts.slice(2).some((text) => /upstream "only" has recovered .* 200 failed attempts/.test(text)))
      assert.ok(
        texts.slice(2).some((text) => /requests for model "gpt-4o-mini" succeed again .* 200 requests failed on every upstream/.test(text)),
      )
    }
  } finally {
    await gateway.shutdown()
    await Promise.all([only.close(), feishu.close(), matrix.close()])
  }
})

test('a chat service that never answers holds up no request, and shutdown does not wait for it', async () => {
  const upstream = await startFakeUpstream(openaiError(503, 'down'))
  const pending: IncomingMessage[] = []
  let sawSend!: () => void
  const sendArrived = new Promise<void>((resolve) => (sawSend = resolve))
  const silent = createServer((req) => {
    pending.push(req)
    sawSend()
  })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  const port = (silent.address() as AddressInfo).port
  const gateway = await startTestGateway(
    `alerts:\n  feishu:\n    - webhook: http://127.0.0.1:${port}/hook\nupstreams:\n  - endpoint: ${upstream.endpoint}\n    noauth: true\n`,
  )
  try {
    const first = await send(gateway, 3, 1)
    await sendArrived
    // The alert is on its way and unanswered; requests keep being answered meanwhile.
    const more = await send(gateway, 50)
    assert.deepEqual(new Set([...first, ...more]), new Set([503]))
    assert.equal(pending.length, 1, 'one alert for the incident, still unanswered')
  } finally {
    await gateway.shutdown(50)
    silent.closeAllConnections()
    await new Promise<void>((resolve) => silent.close(() => resolve()))
    await upstream.close()
  }
})
