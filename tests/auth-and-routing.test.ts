// Client keys and routing through the real gateway: who may use which upstream, what a refused client gets,
// where the model comes from, allow/deny, random order, and that no key ever lands in logs or outcomes.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { FormData, fetch as undiciFetch } from 'undici'
import { completion, json, openaiError, type Behaviour, type FakeUpstream } from './helpers/fake-upstream.js'
import { fakeUpstreamFor } from './helpers/scripted-gateway.js'
import { startTestGateway, type TestGateway, type TestGatewayOptions } from './helpers/test-gateway.js'

async function fakeUpstreams(t: TestContext, count: number, behaviour?: Behaviour): Promise<FakeUpstream[]> {
  const upstreams: FakeUpstream[] = []
  for (let i = 0; i < count; i++) {
    upstreams.push(await fakeUpstreamFor(t, behaviour ?? json(200, completion(`from ${i}`))))
  }
  return upstreams
}

async function gateway(t: TestContext, yaml: string, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const gw = await startTestGateway(yaml, {}, options)
  t.after(() => gw.shutdown(1000))
  return gw
}

interface Answer {
  readonly status: number
  readonly body: unknown
  readonly headers: Headers
}

async function chat(gw: TestGateway, key: string | undefined, model = 'gpt-4o-mini'): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (key !== undefined) headers['authorization'] = `Bearer ${key}`
  const res = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  })
  return { status: res.status, body: await res.json(), headers: res.headers }
}

/** Which fake upstream answered: the completion's content says `from <i>`. */
function answeredBy(answer: Answer): string {
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  return (answer.body as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content ?? ''
}

function assertOpenAIError(answer: Answer, status: number, code: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body))
  assert.equal(answer.headers.get('content-type'), 'application/json')
  const body = answer.body as { error: { message: unknown; type: unknown; param: unknown; code: unknown } }
  assert.deepEqual(Object.keys(body), ['error'])
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type'])
  assert.equal(typeof body.error.message, 'string')
  assert.equal(body.error.type, 'invalid_request_error')
  assert.equal(body.error.code, code)
}

// ---- Keys ----

test('every key of a comma-separated global list with spaces is accepted', async (t) => {
  const [upstream] = await fakeUpstreams(t, 1)
  const gw = await gateway(
    t,
    `authorization: "alpha-key , beta-key,gamma-key "\nupstreams:\n  - { sk: sk-up, endpoint: "${upstream?.endpoint}" }\n`,
  )
  for (const key of ['alpha-key', 'beta-key', 'gamma-key']) assert.equal(answeredBy(await chat(gw, key)), 'from 0', key)
  assertOpenAIError(await chat(gw, 'alpha-key , beta-key'), 401, 'invalid_api_key')
})

test("an upstream's own authorization replaces the global list for that upstream", async (t) => {
  const [general, guest] = await fakeUpstreams(t, 2)
  const gw = await gateway(
    t,
    [
      'authorization: staff-key',
      'upstreams:',
      `  - { sk: sk-general, endpoint: "${general?.endpoint}", allow: [gpt-4o] }`,
      `  - { sk: sk-guest, endpoint: "${guest?.endpoint}", authorization: "guest-key, visitor-key" }`,
    ].join('\n'),
  )
  assert.equal(answeredBy(await chat(gw, 'staff-key', 'gpt-4o')), 'from 0')
  assert.equal(answeredBy(await chat(gw, 'guest-key', 'gpt-4o')), 'from 1', 'the guest key skips the upstream it may not use')
  assert.equal(answeredBy(await chat(gw, 'visitor-key', 'gpt-4o')), 'from 1')
  // The staff key is not on the guest upstream's list, and the general one does not serve this model.
  assertOpenAIError(await chat(gw, 'staff-key', 'gpt-4o-mini'), 404, 'model_not_found')
})

/** One member key; a keyed upstream for every model, then an open (noauth) one for llama-3 alone. */
async function memberAndOpenGateway(
  t: TestContext,
): Promise<{ gw: TestGateway; keyed: FakeUpstream | undefined; open: FakeUpstream | undefined }> {
  const [keyed, open] = await fakeUpstreams(t, 2)
  const gw = await gateway(
    t,
    [
      'authorization: member-key',
      'upstreams:',
      `  - { sk: sk-keyed, endpoint: "${keyed?.endpoint}" }`,
      `  - { sk: sk-open, endpoint: "${open?.endpoint}", noauth: true, allow: [llama-3] }`,
    ].join('\n'),
  )
  return { gw, keyed, open }
}

test('a noauth upstream serves anyone: no key, an unknown key, a known key', async (t) => {
  const { gw } = await memberAndOpenGateway(t)
  assert.equal(answeredBy(await chat(gw, undefined, 'llama-3')), 'from 1')
  assert.equal(answeredBy(await chat(gw, 'not-a-key', 'llama-3')), 'from 1')
  assert.equal(answeredBy(await chat(gw, 'member-key', 'llama-3')), 'from 0', 'a member may use both; the first in order answers')
  assert.equal(answeredBy(await chat(gw, 'member-key', 'gpt-4o')), 'from 0')
})

test('no key, or an unknown key, with no noauth upstream serving the model gets 401 invalid_api_key', async (t) => {
  const { gw, keyed, open } = await memberAndOpenGateway(t)
  const missing = await chat(gw, undefined, 'gpt-4o')
  assertOpenAIError(missing, 401, 'invalid_api_key')
  const wrong = await chat(gw, 'not-a-key', 'gpt-4o')
  assertOpenAIError(wrong, 401, 'invalid_api_key')
  assert.notEqual(
    (missing.body as { error: { message: string } }).error.message,
    (wrong.body as { error: { message: string } }).error.message,
  )
  assert.equal(keyed?.requests.length, 0)
  assert.equal(open?.requests.length, 0)
  assert.equal((await gw.outcomeAt(0)).errorCode, 'invalid_api_key')
  assert.equal((await gw.outcomeAt(0)).status, 401)
})

test('a valid key with no upstream serving the model gets 404 model_not_found', async (t) => {
  const [upstream] = await fakeUpstreams(t, 1)
  const gw = await gateway(
    t,
    `authorization: member-key\nupstreams:\n  - { sk: sk-up, endpoint: "${upstream?.endpoint}", allow: [gpt-4o] }\n`,
  )
  const answer = await chat(gw, 'member-key', 'gpt-5-imaginary')
  assertOpenAIError(answer, 404, 'model_not_found')
  assert.equal((answer.body as { error: { param: unknown } }).error.param, 'model')
  assert.match((answer.body as { error: { message: string } }).error.message, /gpt-5-imaginary/)
  assert.equal(upstream?.requests.length, 0)
})

test('no key appears in the logs or the outcomes, whatever happened to the request', async (t) => {
  const clientKeys = ['client-secret-key-0001', 'client-secret-key-0002']
  const upstreamKeys = ['sk-upstream-secret-aaaa', 'sk-upstream-secret-bbbb']
  const failing = await fakeUpstreamFor(t, (req, res) => {
    // An upstream that echoes the key it got, as some do in auth errors.
    const body = JSON.stringify({
      error: {
        message: `Incorrect API key provided: ${String(req.headers['authorization'])}`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    })
    res.writeHead(401, { 'content-type': 'application/json' })
    res.end(body)
  })
  const [working, asis] = await fakeUpstreams(t, 2)
  const gw = await gateway(
    t,
    [
      `authorization: "${clientKeys.join(', ')}"`,
      'upstreams:',
      `  - { sk: ${upstreamKeys[0]}, endpoint: "${failing.endpoint}", allow: [fails] }`,
      `  - { sk: ${upstreamKeys[1]}, endpoint: "${working?.endpoint}", allow: [works] }`,
      `  - { sk: asis, endpoint: "${asis?.endpoint}", allow: [asis], keep_header: true }`,
      `  - { sk: ${upstreamKeys[1]}, endpoint: "http://127.0.0.1:1/v1", allow: [unreachable] }`,
    ].join('\n'),
  )
  const answers = [
    await chat(gw, clientKeys[0], 'works'),
    await chat(gw, clientKeys[1], 'fails'),
    await chat(gw, clientKeys[0], 'asis'),
    await chat(gw, clientKeys[0], 'unreachable'),
    await chat(gw, clientKeys[0], 'nobody-serves-this'),
    await chat(gw, 'client-secret-key-wrong', 'works'),
  ]
  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 401, 200, 502, 404, 401],
  )
  await gw.outcomeAt(answers.length - 1)
  const outcomes = JSON.stringify(gw.outcomes)
  const logs = gw.logs.join('\n')
  const answerBodies = JSON.stringify(answers.map((a) => a.body))
  for (const secret of [...clientKeys, ...upstreamKeys, 'client-secret-key-wrong']) {
    assert.equal(outcomes.includes(secret), false, `outcomes hold ${secret}`)
    assert.equal(logs.includes(secret), false, `logs hold ${secret}`)
    assert.equal(answerBodies.includes(secret), false, `an answer holds ${secret}`)
  }
  // The outcome still tells keys apart, by fingerprint.
  const identities = gw.outcomes.map((o) => (o.identity.kind === 'key' ? o.identity.fingerprint : o.identity.kind))
  assert.equal(identities[0], identities[2])
  assert.notEqual(identities[0], identities[1])
  assert.equal(identities[5], 'anonymous')
})

// ---- Routing ----

test('the model comes from the JSON body; a multipart upload routes by its URL path', async (t) => {
  const [chatUpstream, audio] = await fakeUpstreams(t, 2)
  const gw = await gateway(
    t,
    [
      'authorization: member-key',
      'upstreams:',
      `  - { sk: sk-chat, endpoint: "${chatUpstream?.endpoint}", deny: [/v1/audio/transcriptions] }`,
      `  - { sk: sk-audio, endpoint: "${audio?.endpoint}", allow: [/v1/audio/transcriptions] }`,
    ].join('\n'),
  )
  assert.equal(answeredBy(await chat(gw, 'member-key', 'whisper-1')), 'from 0')
  const form = new FormData()
  form.append('model', 'whisper-1')
  form.append('file', new Blob([Buffer.from('RIFF....WAVE')], { type: 'audio/wav' }), 'a.wav')
  const res = await undiciFetch(`${gw.baseURL}/audio/transcriptions`, {
    method: 'POST',
    headers: { authorization: 'Bearer member-key' },
    body: form,
  })
  assert.equal(res.status, 200)
  await res.arrayBuffer()
  assert.equal(audio?.requests.length, 1)
  assert.equal(audio?.requests[0]?.url, '/v1/audio/transcriptions')
  assert.equal(chatUpstream?.requests.length, 1)
  assert.equal((await gw.outcomeAt(1)).model, '/v1/audio/transcriptions')
})

test('allow is checked first, then deny, per upstream', async (t) => {
  const [first, second, third] = await fakeUpstreams(t, 3)
  const gw = await gateway(
    t,
    [
      'authorization: member-key',
      'upstreams:',
      `  - { sk: s1, endpoint: "${first?.endpoint}", allow: [gpt-4, gpt-4o], deny: [gpt-4] }`,
      `  - { sk: s2, endpoint: "${second?.endpoint}", deny: [gpt-4o-mini] }`,
      `  - { sk: s3, endpoint: "${third?.endpoint}", allow: [gpt-4o-mini] }`,
    ].join('\n'),
  )
  assert.equal(answeredBy(await chat(gw, 'member-key', 'gpt-4o')), 'from 0')
  assert.equal(answeredBy(await chat(gw, 'member-key', 'gpt-4')), 'from 1', 'allowed by the first, then denied there')
  assert.equal(answeredBy(await chat(gw, 'member-key', 'gpt-4o-mini')), 'from 2')
  assert.equal(answeredBy(await chat(gw, 'member-key', 'o1')), 'from 1')
})

test('a GET without a body routes by its path', async (t) => {
  const [chatOnly, models] = await fakeUpstreams(t, 2)
  const gw = await gateway(
    t,
    [
      'authorization: member-key',
      'upstreams:',
      `  - { sk: s1, endpoint: "${chatOnly?.endpoint}", deny: [/v1/models] }`,
      `  - { sk: s2, endpoint: "${models?.endpoint}" }`,
    ].join('\n'),
  )
  const res = await fetch(`${gw.baseURL}/models`, { headers: { authorization: 'Bearer member-key' } })
  assert.equal(res.status, 200)
  await res.arrayBuffer()
  assert.equal(chatOnly?.requests.length, 0)
  assert.equal(models?.requests[0]?.url, '/v1/models')
})

/** A random() that returns the given values in turn, then repeats the last. */
function sequence(...values: number[]): () => number {
  let i = 0
  return () => values[Math.min(i++, values.length - 1)] as number
}

test('lb_policy random shuffles the candidates per request with the injected randomness', async (t) => {
  const upstreams = await fakeUpstreams(t, 2)
  const yaml = (policy: string): string =>
    [
      `lb_policy: ${policy}`,
      'authorization: member-key',
      'upstreams:',
      ...upstreams.map((u, i) => `  - { sk: s${i}, endpoint: "${u.endpoint}" }`),
    ].join('\n')
  // Fisher–Yates over two candidates: random() < 0.5 swaps them, >= 0.5 keeps the file order.
  const random = sequence(0.1, 0.9, 0.2, 0.7)
  const shuffled = await gateway(t, yaml('random'), { random })
  const order: string[] = []
  for (let i = 0; i < 4; i++) order.push(answeredBy(await chat(shuffled, 'member-key')))
  assert.deepEqual(order, ['from 1', 'from 0', 'from 1', 'from 0'])

  const ordered = await gateway(t, yaml('order'), { random: sequence(0.1) })
  for (let i = 0; i < 3; i++) assert.equal(answeredBy(await chat(ordered, 'member-key')), 'from 0')
})

test('with lb_policy random, a failure still fails over to the other candidate', async (t) => {
  const [broken] = await fakeUpstreams(t, 1, openaiError(500, 'boom'))
  const [healthy] = await fakeUpstreams(t, 1)
  const gw = await gateway(
    t,
    [
      'lb_policy: random',
      'authorization: member-key',
      'upstreams:',
      `  - { sk: s0, endpoint: "${healthy?.endpoint}" }`,
      `  - { sk: s1, endpoint: "${broken?.endpoint}" }`,
    ].join('\n'),
    // Swap: the broken upstream goes first.
    { random: sequence(0.1) },
  )
  assert.equal(answeredBy(await chat(gw, 'member-key')), 'from 0')
  assert.equal(broken?.requests.length, 1)
  assert.deepEqual(
    (await gw.outcomeAt(0)).attempts.map((a) => a.upstreamIndex),
    [1, 0],
  )
})
