// Named keys end to end in one gateway: model and upstream scoping, key_sha256, the x-ratelimit headers that replace
// an upstream's, rpm and tpm refusals in OpenAI's shape, reservations reconciled with the real usage, the overshoot
// bound, GET /v1/usage, and no key or hash anywhere the gateway writes.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { completion, json, openaiError, sse, streamOf, type Behaviour, type FakeUpstream } from './helpers/fake-upstream.js'
import { deferred, fakeUpstreamFor } from './helpers/scripted-gateway.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'
import OpenAI from 'openai'
import type { TokenEstimator } from '../src/tokens/token-estimator.js'

const aliceKey = 'sk-alice-0123456789abcdef'
const bobKey = 'sk-bob-fedcba9876543210'
const bobDigest = createHash('sha256').update(bobKey).digest('hex')

/** One token per character: a chat of one 5-character message is 3 + 3 + 5 = 11 prompt tokens. */
const perCharacter: TokenEstimator = {
  count: (texts) => Promise.resolve(texts.map((text) => text.length)),
  close: () => Promise.resolve(),
}

async function gateway(t: TestContext, yaml: string, env: NodeJS.ProcessEnv = {}): Promise<TestGateway> {
  const gw = await startTestGateway(yaml, env, { tokens: perCharacter })
  t.after(() => gw.shutdown(1000))
  return gw
}

interface Answer {
  readonly status: number
  readonly body: { error?: { message: string; type: string; code: string | null; param: string | null } } & Record<string, unknown>
  readonly headers: Headers
}

async function chat(gw: TestGateway, key: string, model = 'gpt-4o-mini', extra: Record<string, unknown> = {}): Promise<Answer> {
  const res = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], ...extra }),
  })
  return { status: res.status, body: (await res.json()) as Answer['body'], headers: res.headers }
}

async function usageOf(gw: TestGateway, key: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${gw.baseURL}/usage`, { headers: { authorization: `Bearer ${key}` } })
  assert.equal(res.status, 200)
  return (await res.json()) as Record<string, unknown>
}

/** Polls GET /v1/usage until `holds`, with a deadline (settling happens just after the client's answer ends). */
async function untilUsage(
  gw: TestGateway,
  key: string,
  holds: (usage: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const until = performance.now() + 30_000
  for (;;) {
    const usage = await usageOf(gw, key)
    if (holds(usage)) return usage
    if (performance.now() > until) throw new Error(`usage never settled: ${JSON.stringify(usage)}`)
  }
}

const tokensRemaining = (usage: Record<string, unknown>): number => (usage['tokens'] as { remaining: number }).remaining

function upstreamsYaml(upstreams: ReadonlyArray<readonly [string, FakeUpstream]>): string {
  return [
    'upstreams:',
    ...upstreams.map(([name, up]) => `  - { name: ${name}, endpoint: "${up.endpoint}", sk: sk-${name}-upstream }`),
  ].join('\n')
}

test('a named key reaches only its models and upstreams; anything else is the 404 of a model that does not exist', async (t) => {
  const main = await fakeUpstreamFor(t, json(200, completion('from main')))
  const other = await fakeUpstreamFor(t, json(200, completion('from other')))
  const gw = await gateway(
    t,
    [
      'keys:',
      '  - { name: alice, key: "${ALICE_KEY}", models: ["gpt-4o*", fast], upstreams: [main] }',
      `  - { name: bob, key_sha256: "${bobDigest}" }`,
      upstreamsYaml([
        ['other', other],
        ['main', main],
      ]),
    ].join('\n'),
    { ALICE_KEY: aliceKey },
  )
  const allowed = await chat(gw, aliceKey, 'gpt-4o-mini')
  assert.equal(allowed.status, 200)
  assert.equal(other.requests.length, 0, 'alice never reaches an upstream outside her list, though it comes first')
  assert.equal(main.requests.length, 1)
  assert.equal(main.requests[0]?.headers.authorization, 'Bearer sk-main-upstream')

  // An upload names its model in a form field: outside the key's models it is the same 404.
  const upload = new FormData()
  upload.set('file', new Blob([Buffer.from('RIFF')]), 'a.wav')
  upload.set('model', 'whisper-1')
  const transcription = await fetch(`${gw.baseURL}/audio/transcriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${aliceKey}` },
    body: upload,
  })
  assert.equal(transcription.status, 404)
  assert.equal(((await transcription.json()) as Answer['body']).error?.code, 'model_not_found')
  const outside = await chat(gw, aliceKey, 'o3')
  const unknown = await chat(gw, bobKey, 'no-such-model-anywhere')
  assert.equal(outside.status, 404)
  assert.equal(outside.body.error?.code, 'model_not_found')
  assert.equal(outside.body.error?.message, 'The model `o3` does not exist or you do not have access to it.')
  assert.equal(main.requests.length, 1, 'a model outside the key reaches no upstream')
  // bob (key_sha256, no scoping) reaches both; an unknown model is served by the first upstream like any other.
  assert.equal(unknown.status, 200)
  assert.equal((await chat(gw, bobKey, 'o3')).status, 200)
  assert.equal((await chat(gw, 'sk-not-a-key', 'gpt-4o-mini')).status, 401)
})

test('rpm: admitted answers carry the gateway x-ratelimit headers instead of the upstream ones; the next one is a 429', async (t) => {
  const upstreamHeaders = {
    'x-ratelimit-limit-requests': '10000',
    'x-ratelimit-remaining-requests': '9999',
    'x-ratelimit-limit-tokens': '1',
  }
  const up = await fakeUpstreamFor(t, json(200, completion('ok'), upstreamHeaders))
  const gw = await gateway(t, [`keys: [{ name: alice, key: ${aliceKey}, rpm: 3 }]`, upstreamsYaml([['main', up]])].join('\n'))
  for (let i = 0; i < 3; i++) {
    const answer = await chat(gw, aliceKey)
    assert.equal(answer.status, 200)
    assert.equal(answer.headers.get('x-ratelimit-limit-requests'), '3')
    assert.equal(answer.headers.get('x-ratelimit-remaining-requests'), String(2 - i))
    assert.match(answer.headers.get('x-ratelimit-reset-requests') ?? '', /^(\d+m)?\d+(\.\d+)?(ms|s)$/)
    assert.equal(answer.headers.get('x-ratelimit-limit-tokens'), null, "the upstream's token headers do not reach the client")
  }
  const refused = await chat(gw, aliceKey)
  assert.equal(refused.status, 429)
  assert.equal(refused.body.error?.type, 'requests')
  assert.equal(refused.body.error?.code, 'rate_limit_exceeded')
  assert.match(
    refused.body.error?.message ?? '',
    /^Rate limit reached for key `alice` on requests per min \(RPM\): Limit 3, Used 3, Requested 1\./,
  )
  assert.equal(refused.headers.get('x-ratelimit-remaining-requests'), '0')
  assert.ok(Number(refused.headers.get('retry-after')) >= 1)
  assert.equal(up.requests.length, 3, 'the refused request never went upstream')
})

test('a stream and a relayed upstream error carry the key headers too, never the upstream ones', async (t) => {
  const theirs = { 'x-ratelimit-limit-requests': '10000', 'x-ratelimit-remaining-tokens': '5' }
  const up = await fakeUpstreamFor(t, sse([...streamOf(['a', 'b']), '[DONE]'], { headers: theirs }), async (req, res) => {
    res.writeHead(400, { 'content-type': 'application/json', ...theirs })
    res.end(JSON.stringify({ error: { message: 'bad', type: 'invalid_request_error', param: null, code: null } }))
    await Promise.resolve(req)
  })
  const gw = await gateway(t, [`keys: [{ name: alice, key: ${aliceKey}, rpm: 10, tpm: 100000 }]`, upstreamsYaml([['main', up]])].join('\n'))
  const stream = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${aliceKey}` },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, max_tokens: 10, messages: [{ role: 'user', content: 'hello' }] }),
  })
  assert.equal(stream.status, 200)
  assert.match(await stream.text(), /\[DONE\]/)
  assert.equal(stream.headers.get('x-ratelimit-limit-requests'), '10')
  assert.equal(stream.headers.get('x-ratelimit-remaining-tokens'), String(100000 - 21))
  const failed = await chat(gw, aliceKey, 'gpt-4o-mini', { max_tokens: 10 })
  assert.equal(failed.status, 400)
  assert.equal(failed.headers.get('x-ratelimit-limit-requests'), '10')
  assert.equal(failed.headers.get('x-ratelimit-remaining-requests'), '8')
  assert.notEqual(failed.headers.get('x-ratelimit-remaining-tokens'), '5')
})

test('tpm: concurrent reservations refuse what would pass the limit; the real usage then replaces the over-estimate', async (t) => {
  const release = deferred()
  const held: Behaviour = async (req, res) => {
    await release.promise
    await json(200, completion('ok', 'gpt-4o-mini', { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }))(req, res)
  }
  const up = await fakeUpstreamFor(t, held)
  const gw = await gateway(t, [`keys: [{ name: alice, key: ${aliceKey}, tpm: 250 }]`, upstreamsYaml([['main', up]])].join('\n'))
  // Each reserves 11 prompt tokens + 89 allowed = 100.
  const first = chat(gw, aliceKey, 'gpt-4o-mini', { max_tokens: 89 })
  const second = chat(gw, aliceKey, 'gpt-4o-mini', { max_tokens: 89 })
  await untilCount(() => up.requests.length === 2)
  const third = await chat(gw, aliceKey, 'gpt-4o-mini', { max_tokens: 89 })
  assert.equal(third.status, 429)
  assert.equal(third.body.error?.type, 'tokens')
  assert.match(third.body.error?.message ?? '', /TPM\): Limit 250, Used 200, Requested 100\./)
  assert.equal(third.headers.get('x-ratelimit-remaining-tokens'), '50')
  release.resolve()
  assert.equal((await first).status, 200)
  assert.equal((await second).status, 200)
  // Each is charged the 7 tokens it used, not the 100 it reserved.
  await untilUsage(gw, aliceKey, (usage) => tokensRemaining(usage) === 250 - 14)
  const fourth = await chat(gw, aliceKey, 'gpt-4o-mini', { max_tokens: 89 })
  assert.equal(fourth.status, 200)
  assert.equal(fourth.headers.get('x-ratelimit-remaining-tokens'), String(250 - 14 - 100))
})

test('the overshoot bound: a request without max_tokens that uses more than its reservation passes the limit once, and no more', async (t) => {
  const up = await fakeUpstreamFor(
    t,
    json(200, completion('long', 'gpt-4o-mini', { prompt_tokens: 11, completion_tokens: 500, total_tokens: 511 })),
  )
  const gw = await gateway(
    t,
    [
      `keys: [{ name: alice, key: ${aliceKey}, tpm: 100 }]`,
      'limits: { default_completion_tokens: 10 }',
      upstreamsYaml([['main', up]]),
    ].join('\n'),
  )
  // Reserved 11 + 10 = 21 within 100; it used 511: the window is 411 over, which is its usage less its reservation.
  assert.equal((await chat(gw, aliceKey)).status, 200)
  const usage = await untilUsage(gw, aliceKey, (u) => tokensRemaining(u) === 0)
  assert.deepEqual(usage['tokens'] !== null, true)
  const next = await chat(gw, aliceKey)
  assert.equal(next.status, 429, 'nothing more is admitted until the window has room again')
  assert.equal(up.requests.length, 1)
})

test('a budget in tokens refuses the request after the crossing with insufficient_quota naming the period end', async (t) => {
  const up = await fakeUpstreamFor(
    t,
    json(200, completion('ok', 'gpt-4o-mini', { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 })),
  )
  const gw = await gateway(
    t,
    [`keys: [{ name: alice, key: ${aliceKey}, budget_tokens: 20, budget_period: day }]`, upstreamsYaml([['main', up]])].join('\n'),
  )
  // Reserves 11 + 2 = 13 of 20; charged 15. The next would need 13 more: 28 > 20.
  assert.equal((await chat(gw, aliceKey, 'gpt-4o-mini', { max_tokens: 2 })).status, 200)
  await untilUsage(gw, aliceKey, (u) => (u['budget'] as { spent_tokens: number }).spent_tokens === 15)
  const refused = await chat(gw, aliceKey, 'gpt-4o-mini', { max_tokens: 2 })
  assert.equal(refused.status, 429)
  assert.equal(refused.body.error?.code, 'insufficient_quota')
  assert.equal(refused.body.error?.type, 'insufficient_quota')
  const tomorrow = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1)).toISOString()
  assert.ok(refused.body.error?.message.includes(tomorrow), refused.body.error?.message)
  assert.ok(Number(refused.headers.get('retry-after')) >= 1)
  assert.equal(up.requests.length, 1)
})

test('a client that leaves once an upstream has its request is charged its reservation; the OpenAI SDK does not wait out a spent budget', async (t) => {
  const release = deferred()
  const up = await fakeUpstreamFor(t, async (req, res) => {
    await Promise.race([release.promise, req.aborted])
    if (!req.wasAborted()) await json(200, completion('ok'))(req, res)
  })
  const gw = await gateway(
    t,
    [`keys: [{ name: alice, key: ${aliceKey}, budget_tokens: 30, budget_period: total }]`, upstreamsYaml([['main', up]])].join('\n'),
  )
  const leaving = new AbortController()
  const left = fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${aliceKey}` },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 9, messages: [{ role: 'user', content: 'hello' }] }),
    signal: leaving.signal,
  }).catch(() => undefined)
  await untilCount(() => up.requests.length === 1)
  leaving.abort()
  await left
  // 11 prompt + 9 allowed: the upstream may bill what it was asked, so the reservation stays charged.
  await untilUsage(gw, aliceKey, (u) => (u['budget'] as { spent_tokens: number }).spent_tokens === 20)
  release.resolve()
  let sent = 0
  const counting: typeof fetch = (input, init) => {
    sent++
    return fetch(input, init)
  }
  const client = new OpenAI({ apiKey: aliceKey, baseURL: gw.baseURL, fetch: counting })
  const refused = await client.chat.completions
    .create({ model: 'gpt-4o-mini', max_completion_tokens: 9, messages: [{ role: 'user', content: 'hello' }] })
    .catch((error: unknown) => error)
  assert.ok(refused instanceof OpenAI.RateLimitError)
  assert.equal(refused.code, 'insufficient_quota')
  assert.equal(sent, 1, 'the SDK did not retry a spent budget')
})

test('GET /v1/usage tells a key its limits and what is left; a predecessor key has none; a stranger gets a 401', async (t) => {
  const up = await fakeUpstreamFor(t, json(200, completion('ok')))
  const gw = await gateway(
    t,
    [
      'authorization: sk-old-key',
      `keys: [{ name: alice, key: ${aliceKey}, rpm: 5, max_concurrent: 2, budget_usd: 10 }]`,
      'prices: { "gpt-4o*": { input: 100000, output: 100000 } }',
      upstreamsYaml([['main', up]]),
    ].join('\n'),
  )
  // Reserves 11 + 1 tokens: $1.20 at ten cents a token; completion() reports 5 + 2 tokens: $0.70.
  assert.equal((await chat(gw, aliceKey, 'gpt-4o-mini', { max_tokens: 1 })).status, 200)
  const usage = await untilUsage(gw, aliceKey, (u) => Math.abs((u['budget'] as { spent_usd: number }).spent_usd - 0.7) < 1e-9)
  assert.equal(usage['key'], 'alice')
  assert.deepEqual(usage['limits'], { rpm: 5, tpm: null, max_concurrent: 2, budget_usd: 10, budget_tokens: null, budget_period: 'month' })
  assert.equal((usage['requests'] as { remaining: number }).remaining, 4)
  assert.deepEqual(usage['concurrent'], { limit: 2, in_flight: 0 })
  assert.ok(Math.abs((usage['budget'] as { remaining_usd: number }).remaining_usd - 9.3) < 1e-9)
  const old = await usageOf(gw, 'sk-old-key')
  assert.equal(old['key'], null)
  assert.deepEqual(old['limits'], {})
  const stranger = await fetch(`${gw.baseURL}/usage`, { headers: { authorization: 'Bearer sk-nobody' } })
  assert.equal(stranger.status, 401)
  // Without max_tokens the estimate prices 11 + 4096 tokens: over the $9.30 left.
  const refused = await chat(gw, aliceKey)
  assert.equal(refused.body.error?.code, 'insufficient_quota')
})

test('no key, digest or hash appears in logs, outcomes or errors; the name does', async (t) => {
  const up = await fakeUpstreamFor(t, json(200, completion('ok')), openaiError(500, 'boom'))
  const gw = await gateway(t, [`keys: [{ name: alice, key: ${aliceKey}, rpm: 1 }]`, upstreamsYaml([['main', up]])].join('\n'))
  await chat(gw, aliceKey)
  const refused = await chat(gw, aliceKey)
  assert.equal(refused.status, 429)
  await gw.nextOutcomeIndex()
  const digest = createHash('sha256').update(aliceKey).digest('hex')
  const written = JSON.stringify({ logs: gw.logs, outcomes: gw.outcomes, refused: refused.body })
  for (const secret of [aliceKey, digest, digest.slice(0, 32)]) assert.ok(!written.includes(secret), 'a secret leaked')
  assert.ok(gw.outcomes.every((outcome) => outcome.identity.kind === 'key' && outcome.identity.name === 'alice'))
})

async function untilCount(holds: () => boolean): Promise<void> {
  const until = performance.now() + 30_000
  while (!holds()) {
    if (performance.now() > until) throw new Error('timed out')
    await new Promise((resolve) => setImmediate(resolve))
  }
}
