// Feishu custom bot: the message body, the signature, and which answers count as delivered.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AlertHttpRequest } from './alert-http.js'
import { AlertSendError } from './alert-send-error.js'
import { checkFeishuAnswer, feishuBody, feishuSink } from './feishu-sink.js'

/** Feishu's algorithm computed independently, with WebCrypto: HMAC-SHA256 keyed by "timestamp\nsecret" over nothing. */
async function expectedSign(timestamp: string, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(`${timestamp}\n${secret}`),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return Buffer.from(await crypto.subtle.sign('HMAC', key, new Uint8Array(0))).toString('base64')
}

test('without a secret: just msg_type and content.text', () => {
  assert.deepEqual(JSON.parse(feishuBody('hello', undefined, 1_700_000_000_123)), { msg_type: 'text', content: { text: 'hello' } })
})

test('with a secret: timestamp in seconds as a string, and the signature', async () => {
  const body = JSON.parse(feishuBody('hello', 'sec', 1_700_000_000_999)) as Record<string, unknown>
  assert.equal(body['timestamp'], '1700000000')
  assert.equal(body['sign'], await expectedSign('1700000000', 'sec'))
  assert.equal(body['msg_type'], 'text')
  assert.deepEqual(body['content'], { text: 'hello' })
})

test('HTTP 200 with code 0 is delivered; a non-zero code, another status or non-JSON is not', () => {
  checkFeishuAnswer(200, '{"code":0,"data":{},"msg":"success"}')
  checkFeishuAnswer(200, '{"StatusCode":0,"StatusMessage":"success"}')
  const code = (status: number, body: string): string | undefined => {
    try {
      checkFeishuAnswer(status, body)
      return undefined
    } catch (error) {
      assert.ok(error instanceof AlertSendError)
      return `${error.code}: ${error.message}`
    }
  }
  assert.equal(
    code(200, '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}'),
    'alert_rejected: Feishu code 19021: sign match fail or timestamp is not within one hour from current time',
  )
  assert.equal(code(200, '{"data":{}}'), 'alert_rejected: Feishu code undefined')
  assert.equal(code(200, '<html>'), 'alert_rejected: the answer is not JSON')
  assert.equal(code(502, ''), 'alert_status: HTTP 502')
})

test('the sink posts to the webhook and signs again on every try', async () => {
  const requests: AlertHttpRequest[] = []
  let now = 1_700_000_000_000
  const sink = feishuSink({
    webhook: 'https://open.feishu.cn/open-apis/bot/v2/hook/abc',
    secret: 's',
    label: 'feishu[0]',
    wallNow: () => now,
    http: async (request) => {
      requests.push(request)
      return { status: 200, headers: {}, body: '{"code":0}' }
    },
  })
  await sink.send({ id: 'm1', text: 't' })
  now += 5000
  await sink.send({ id: 'm1', text: 't' })
  assert.equal(requests[0]?.method, 'POST')
  assert.equal(requests[0]?.url, 'https://open.feishu.cn/open-apis/bot/v2/hook/abc')
  assert.equal((JSON.parse(requests[0]?.body ?? '{}') as { timestamp: string }).timestamp, '1700000000')
  assert.equal((JSON.parse(requests[1]?.body ?? '{}') as { timestamp: string }).timestamp, '1700000005')
})
