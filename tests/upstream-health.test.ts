// Health-aware routing end to end: the real gateway against fake upstreams that fail on command, on a ManualClock.
// An upstream that keeps failing is skipped until its cooldown passes, then probed once; upstreams that asked to be
// left alone are not contacted; every 429 and 503 says when to come back; metrics and the alert follow the breaker.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock } from '../src/time/manual-clock.js'
import { completion, heldUntil, json, openaiError, startFakeUpstream, type Behaviour } from './helpers/fake-upstream.js'
import { parseSamples, sumOf } from './helpers/prometheus-samples.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'
import { waitFor } from './helpers/wait-for.js'

interface Answer {
  readonly status: number
  readonly retryAfter: string | null
  readonly text: string
}

async function ask(gateway: TestGateway): Promise<Answer> {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  })
  return { status: response.status, retryAfter: response.headers.get('retry-after'), text: await response.text() }
}

function twoUpstreams(primary: string, backup: string, health = ''): string {
  return [
    health,
    'upstreams:',
    '  - { name: primary, noauth: true, endpoint: "' + primary + '" }',
    '  - { name: backup, noauth: true, endpoint: "' + backup + '" }',
    '',
  ].join('\n')
}

async function metric(gateway: TestGateway, name: string, labels: Record<string, string>): Promise<number> {
  return sumOf(parseSamples(await (await fetch(`${gateway.url}/metrics`)).text()), name, labels)
}

test('an upstream failing 5 times is skipped until its cooldown passes, then exactly one probe goes to it', async () => {
  const clock = new ManualClock()
  const primary = await startFakeUpstream(openaiError(503, 'down'))
  const backup = await startFakeUpstream(json(200, completion('from backup')))
  const gateway = await startTestGateway(twoUpstreams(primary.endpoint, backup.endpoint), {}, { clock })
  try {
    for (let i = 0; i < 5; i++) assert.equal((await ask(gateway)).status, 200)
    assert.equal(primary.requests.length, 5)
    assert.equal(gateway.observability.alerts.openByKind().get('upstream'), 1, 'the incident opened with the breaker')
    const index = await gateway.nextOutcomeIndex()
    for (let i = 0; i < 10; i++) {
      clock.advance(2000)
      assert.equal((await ask(gateway)).status, 200)
    }
    assert.equal(primary.requests.length, 5, 'no attempt reached the open upstream')
    const skipped = await gateway.outcomeAt(index)
    assert.deepEqual(skipped.skippedOpen, ['primary'])
    assert.deepEqual(
      skipped.attempts.map((a) => a.upstream),
      ['backup'],
    )
    assert.ok(gateway.logs.some((line) => line.includes('"skippedOpen":["primary"]')))
    assert.equal(await metric(gateway, 'openai_api_route_upstream_state', { upstream: 'primary', state: 'open' }), 1)
    assert.equal(await metric(gateway, 'openai_api_route_upstream_state', { upstream: 'primary', state: 'closed' }), 0)
    assert.equal(await metric(gateway, 'openai_api_route_upstream_state', { upstream: 'backup', state: 'closed' }), 1)

    // The cooldown (30 s) has passed: of eight requests at once, one probes the primary, the rest go to backup.
    clock.advance(10_000)
    let release: () => void = () => {}
    const released = new Promise<void>((resolve) => (release = resolve))
    primary.script(heldUntil(released, json(200, completion('primary is back'))))
    const backupBefore = backup.requests.length
    const concurrent = Array.from({ length: 8 }, () => ask(gateway))
    await waitFor(() => primary.requests.length === 6 && backup.requests.length === backupBefore + 7, 'one probe, seven to backup')
    release()
    const answers = await Promise.all(concurrent)
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]))
    assert.equal(answers.filter((a) => a.text.includes('primary is back')).length, 1)
    assert.equal(primary.requests.length, 6, 'exactly one probe')

    // The probe succeeded: the breaker is closed and traffic is back on the primary.
    assert.ok((await ask(gateway)).text.includes('primary is back'))
    assert.equal(gateway.observability.alerts.openByKind().get('upstream'), 0, 'the incident recovered with the breaker')
    for (const [to, count] of [
      ['open', 1],
      ['half_open', 1],
      ['closed', 1],
    ] as const) {
      assert.equal(await metric(gateway, 'openai_api_route_upstream_state_changes_total', { upstream: 'primary', to }), count, to)
    }
    assert.equal(await metric(gateway, 'openai_api_route_upstream_state', { upstream: 'primary', state: 'closed' }), 1)
  } finally {
    await gateway.shutdown()
    await Promise.all([primary.close(), backup.close()])
  }
})

test('every candidate rate-limited: 429 rate_limit_exceeded with Retry-After, and no upstream is contacted', async () => {
  const clock = new ManualClock()
  const limited = (headers: Record<string, string>): Behaviour =>
    json(429, { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, headers)
  const a = await startFakeUpstream(limited({ 'retry-after': '20' }))
  const b = await startFakeUpstream(limited({ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s' }))
  const gateway = await startTestGateway(twoUpstreams(a.endpoint, b.endpoint, 'health: { max_cooldown: 120 }'), {}, { clock })
  const contacted = (): number[] => [a.requests.length, b.requests.length]
  try {
    const first = await ask(gateway)
    assert.equal(first.status, 429)
    assert.equal(first.retryAfter, '20', "b's own answer passed through, with the breaker's soonest end as Retry-After")
    assert.deepEqual(contacted(), [1, 1])

    clock.advance(5500)
    const refused = await ask(gateway)
    assert.equal(refused.status, 429)
    assert.equal(refused.retryAfter, '15', 'whole seconds, rounded up, to the soonest end (a, 20 s)')
    assert.equal((JSON.parse(refused.text) as { error: { code: string } }).error.code, 'rate_limit_exceeded')
    assert.deepEqual(contacted(), [1, 1], 'no upstream contacted')

    // a's Retry-After ends: it is tried again; b stays open for its reset, capped at max_cooldown (120 s).
    clock.advance(14_500)
    a.script(json(200, completion('a is back')))
    assert.ok((await ask(gateway)).text.includes('a is back'))
    assert.deepEqual(contacted(), [2, 1])
    // a asks for 10 minutes, b (open, tried last) again for 6: both are capped at max_cooldown, 120 s from now.
    a.script(limited({ 'retry-after': '600' }))
    assert.equal((await ask(gateway)).status, 429)
    assert.deepEqual(contacted(), [3, 2])
    const capped = await ask(gateway)
    assert.deepEqual([capped.status, capped.retryAfter], [429, '120'])
    assert.deepEqual(contacted(), [3, 2], 'no upstream contacted')
  } finally {
    await gateway.shutdown()
    await Promise.all([a.close(), b.close()])
  }
})

test('a 503 passed through gets a Retry-After: the upstream has none, so one second, then the open breaker', async () => {
  const clock = new ManualClock()
  const only = await startFakeUpstream(openaiError(503, 'down'))
  const gateway = await startTestGateway(
    `upstreams:\n  - { name: only, noauth: true, endpoint: "${only.endpoint}", health: { failures_to_open: 2, cooldown: 45 } }\n`,
    {},
    { clock },
  )
  try {
    assert.deepEqual(
      [(await ask(gateway)).retryAfter, (await ask(gateway)).retryAfter],
      ['1', '45'],
      'closed, then open for 45 s after the second failure',
    )
    clock.advance(10_000)
    const open = await ask(gateway)
    assert.equal(open.status, 503)
    assert.equal(open.retryAfter, '35')
    assert.equal(only.requests.length, 3, 'the only candidate, open on plain failures, is still tried')
  } finally {
    await gateway.shutdown()
    await only.close()
  }
})

test('recovery: primary down for a while, twenty requests all answered by backup, the primary probed at most once per cooldown, then back', async () => {
  const clock = new ManualClock()
  const primaryAttemptsAt: number[] = []
  const down: Behaviour = (req, res) => {
    primaryAttemptsAt.push(clock.now())
    res.destroy()
  }
  const primary = await startFakeUpstream(down)
  const backup = await startFakeUpstream(json(200, completion('from backup')))
  const gateway = await startTestGateway(
    twoUpstreams(primary.endpoint, backup.endpoint, 'health: { failures_to_open: 1, cooldown: 20, max_cooldown: 40 }'),
    {},
    { clock },
  )
  try {
    for (let i = 0; i < 20; i++) {
      const answer = await ask(gateway)
      assert.equal(answer.status, 200)
      assert.ok(answer.text.includes('from backup'), `request ${i} answered by backup`)
      clock.advance(5000)
    }
    // Opened at 0 s; probes when each cooldown ended: at 20 s (failed, 40 s), at 60 s (failed, 40 s: the cap).
    assert.deepEqual(primaryAttemptsAt, [0, 20_000, 60_000])
    primary.script(json(200, completion('primary is back')))
    clock.advance(5000)
    const answers: string[] = []
    for (let i = 0; i < 4; i++) answers.push((await ask(gateway)).text.includes('primary is back') ? 'primary' : 'backup')
    assert.deepEqual(answers, ['primary', 'primary', 'primary', 'primary'])
  } finally {
    await gateway.shutdown()
    await Promise.all([primary.close(), backup.close()])
  }
})

test('health: { enabled: false } on an upstream: it is tried first every time, whatever it answers', async () => {
  const primary = await startFakeUpstream(openaiError(503, 'down'))
  const backup = await startFakeUpstream(json(200, completion('from backup')))
  const gateway = await startTestGateway(
    [
      'upstreams:',
      `  - { name: primary, noauth: true, endpoint: "${primary.endpoint}", health: { enabled: false } }`,
      `  - { name: backup, noauth: true, endpoint: "${backup.endpoint}" }`,
      '',
    ].join('\n'),
  )
  try {
    for (let i = 0; i < 8; i++) assert.equal((await ask(gateway)).status, 200)
    assert.equal(primary.requests.length, 8)
  } finally {
    await gateway.shutdown()
    await Promise.all([primary.close(), backup.close()])
  }
})
