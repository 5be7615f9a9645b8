// Retries on the same upstream through the real gateway: which failures are retried there (and after how long, on
// the gateway's clock), a waited Retry-After on the last candidate, and what retries: 0 and the commit point keep.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock } from '../src/time/manual-clock.js'
import { completion, json, openaiError, reset, scriptedStream, streamOf } from './helpers/fake-upstream.js'
import { refusedEndpoint } from './helpers/refused-endpoint.js'
import {
  attemptSummary,
  chatRequest,
  fakeUpstreamFor,
  finalErrorEvent,
  gatewayWith,
  postChat,
  streamRequest,
} from './helpers/scripted-gateway.js'
import { waitFor } from './helpers/wait-for.js'

const clientKey = 'client-key-retries'
const within = { timeout: 20_000 }

test(
  'a reset is retried on the same upstream: two attempts there, the client gets 200, the next upstream is never contacted',
  within,
  async (t) => {
    const first = await fakeUpstreamFor(t, reset(), json(200, completion('second try')))
    const second = await fakeUpstreamFor(t)
    const gateway = await gatewayWith(t, {
      clientKey,
      topLevel: ['retries: 1', 'retry_backoff: 0'],
      upstreams: [
        { name: 'first', endpoint: first.endpoint },
        { name: 'second', endpoint: second.endpoint },
      ],
    })
    const index = await gateway.nextOutcomeIndex()
    const response = await postChat(gateway, clientKey, chatRequest)
    assert.equal(response.status, 200)
    assert.equal(
      ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content,
      'second try',
    )
    assert.equal(first.requests.length, 2)
    assert.equal(second.requests.length, 0)
    const outcome = await gateway.outcomeAt(index)
    assert.deepEqual(attemptSummary(outcome.attempts), [
      ['first', 'failed', 'upstream_reset'],
      ['first', 'ok', undefined],
    ])
    assert.deepEqual(
      outcome.attempts.map((a) => a.retry),
      [undefined, 1],
    )
    assert.ok(gateway.logs.some((line) => line.includes('"attempt failed"') && line.includes('"next":"first"')))
  },
)

test('a refused connection is retried as many times as retries says, then the plan moves on', within, async (t) => {
  const second = await fakeUpstreamFor(t, json(200, completion('from second')))
  const gateway = await gatewayWith(t, {
    clientKey,
    topLevel: ['retry_backoff: 0'],
    upstreams: [
      { name: 'first', endpoint: await refusedEndpoint(), extra: ['retries: 2'] },
      { name: 'second', endpoint: second.endpoint },
    ],
  })
  const index = await gateway.nextOutcomeIndex()
  assert.equal((await postChat(gateway, clientKey, chatRequest)).status, 200)
  const outcome = await gateway.outcomeAt(index)
  assert.deepEqual(attemptSummary(outcome.attempts), [
    ['first', 'failed', 'upstream_connect_error'],
    ['first', 'failed', 'upstream_connect_error'],
    ['first', 'failed', 'upstream_connect_error'],
    ['second', 'ok', undefined],
  ])
})

test('a 503 without Retry-After is retried after the backoff, on the gateway clock', within, async (t) => {
  const clock = new ManualClock()
  const only = await fakeUpstreamFor(t, openaiError(503, 'overloaded'), json(200, completion('after backoff')))
  // random 0: the factor is 0.5, so retry_backoff 4 s waits 2 s.
  const gateway = await gatewayWith(
    t,
    { clientKey, topLevel: ['retries: 1', 'retry_backoff: 4'], upstreams: [{ name: 'only', endpoint: only.endpoint }] },
    { clock, random: () => 0 },
  )
  const answer = postChat(gateway, clientKey, chatRequest)
  await waitFor(() => clock.delays.includes(2000), 'the backoff timer')
  assert.equal(only.requests.length, 1, 'no retry before the backoff is over')
  clock.advance(1999)
  assert.equal(only.requests.length, 1)
  clock.advance(1)
  const response = await answer
  assert.equal(response.status, 200)
  assert.equal(only.requests.length, 2)
})

test('a Retry-After within max_retry_wait is waited for on the last candidate, not on one another follows', within, async (t) => {
  const clock = new ManualClock()
  const first = await fakeUpstreamFor(t, openaiError(429, 'slow down', 'rate_limit_error'))
  const last = await fakeUpstreamFor(
    t,
    json(429, { error: { message: 'slow down', type: 'rate_limit_error' } }, { 'retry-after': '3' }),
    json(200, completion('waited')),
  )
  first.script(json(429, { error: { message: 'slow down', type: 'rate_limit_error' } }, { 'retry-after': '3' }))
  const gateway = await gatewayWith(
    t,
    {
      clientKey,
      topLevel: ['retries: 1', 'max_retry_wait: 5'],
      upstreams: [
        { name: 'first', endpoint: first.endpoint },
        { name: 'last', endpoint: last.endpoint },
      ],
    },
    { clock, random: () => 0 },
  )
  const index = await gateway.nextOutcomeIndex()
  const answer = postChat(gateway, clientKey, chatRequest)
  await waitFor(() => clock.delays.includes(3000), 'the Retry-After wait')
  assert.deepEqual([first.requests.length, last.requests.length], [1, 1])
  clock.advance(3000)
  assert.equal((await answer).status, 200)
  assert.deepEqual([first.requests.length, last.requests.length], [1, 2])
  const outcome = await gateway.outcomeAt(index)
  assert.deepEqual(attemptSummary(outcome.attempts), [
    ['first', 'failed', 'upstream_status'],
    ['last', 'failed', 'upstream_status'],
    ['last', 'ok', undefined],
  ])
})

test('retries: 0 (the default) keeps one attempt per upstream', within, async (t) => {
  const only = await fakeUpstreamFor(t, openaiError(503, 'overloaded'), json(200, completion('never asked')))
  const gateway = await gatewayWith(t, { clientKey, upstreams: [{ name: 'only', endpoint: only.endpoint }] })
  const response = await postChat(gateway, clientKey, chatRequest)
  assert.equal(response.status, 503)
  assert.equal(only.requests.length, 1)
})

test('a client that goes away during the backoff ends it at once, with no timer left behind', within, async (t) => {
  const clock = new ManualClock()
  const only = await fakeUpstreamFor(t, openaiError(503, 'overloaded'), json(200, completion('never asked')))
  const gateway = await gatewayWith(
    t,
    { clientKey, topLevel: ['retries: 1', 'retry_backoff: 4'], upstreams: [{ name: 'only', endpoint: only.endpoint }] },
    { clock, random: () => 0 },
  )
  const index = await gateway.nextOutcomeIndex()
  const before = clock.pending
  const controller = new AbortController()
  const answer = postChat(gateway, clientKey, chatRequest, { signal: controller.signal })
  await waitFor(() => clock.delays.includes(2000), 'the backoff timer')
  assert.equal(clock.pending, before + 1, 'the backoff timer is pending')
  controller.abort()
  await assert.rejects(answer)
  const outcome = await gateway.outcomeAt(index)
  assert.equal(outcome.status, 499)
  // The gateway's own timers (those running before the request) are all that is left.
  assert.equal(clock.pending, before)
  assert.equal(only.requests.length, 1)
})

test('a stream that fails after its commit point is never retried', within, async (t) => {
  const words = streamOf(['Hello', 'there'])
  const first = await fakeUpstreamFor(t, scriptedStream([{ data: words[0] }, { data: words[1] }, 'reset']))
  const second = await fakeUpstreamFor(t)
  const gateway = await gatewayWith(t, {
    clientKey,
    topLevel: ['retries: 2', 'retry_backoff: 0'],
    upstreams: [
      { name: 'first', endpoint: first.endpoint },
      { name: 'second', endpoint: second.endpoint },
    ],
  })
  const response = await postChat(gateway, clientKey, streamRequest)
  assert.equal(response.status, 200)
  assert.equal(finalErrorEvent(await response.text()).error.code, 'upstream_reset')
  assert.deepEqual([first.requests.length, second.requests.length], [1, 0])
})
