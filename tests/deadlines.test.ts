// Deadlines through the real gateway: stream_timeout for the first byte of a stream, idle_timeout for every gap
// after it, timeout for plain answers and for the last candidate, per-upstream overrides, total_timeout.
import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { test, type TestContext } from 'node:test'
import type { AttemptRecord } from '../src/relay/request-outcome.js'
import { completion, delayed, hang, json, type Behaviour, type FakeUpstream, type ReceivedRequest } from './helpers/fake-upstream.js'
import { chatRequest, fakeUpstreamFor, gatewayWith, openaiClientFor, postChat, streamedText, streamRequest } from './helpers/scripted-gateway.js'
import type { TestGateway } from './helpers/test-gateway.js'
import { startUnacceptingEndpoint } from './helpers/unaccepting-endpoint.js'

const clientKey = 'client-key-deadlines'
/** A deadline that is not honoured must fail the test, not hang it. */
const within = { timeout: 20_000 }

function chunkFrom(id: string, delta: Record<string, unknown>, finishReason: string | null = null): string {
  return JSON.stringify({ id, object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })
}

type Step = { readonly data: string } | { readonly pauseMs: number } | 'end' | 'hang'

/**
 * An SSE answer played step by step. A pause is the upstream's own slowness, the thing under test; each
 * configured deadline is set well away from it, so the outcome does not depend on scheduling.
 */
function scriptedStream(steps: readonly Step[], id = 'chatcmpl-first'): Behaviour {
  return async (req: ReceivedRequest, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.flushHeaders()
    for (const step of steps) {
      if (req.wasAborted()) return
      if (step === 'end') {
        res.end()
        return
      }
      if (step === 'hang') return
      if ('pauseMs' in step) {
        await new Promise((resolve) => setTimeout(resolve, step.pauseMs))
        continue
      }
      res.write(`data: ${step.data.replaceAll('{id}', id)}\n\n`)
    }
  }
}

const role = { data: chunkFrom('{id}', { role: 'assistant', content: '' }) }
const content = (text: string): Step => ({ data: chunkFrom('{id}', { content: text }) })
const done: Step[] = [{ data: chunkFrom('{id}', {}, 'stop') }, { data: '[DONE]' }, 'end']

/** Content of a whole stream read with the official client. */
async function streamedContent(gateway: TestGateway): Promise<string> {
  return streamedText(await openaiClientFor(gateway, clientKey).chat.completions.create(streamRequest))
}

function summary(attempts: readonly AttemptRecord[]): Array<[string, string, string | undefined]> {
  return attempts.map((a) => [a.upstream, a.outcome, a.errorCode])
}

function lastDataEvent(text: string): { error: { code: string; message: string } } {
  const events = text.split('\n\n').filter((block) => block.startsWith('data: '))
  return JSON.parse((events[events.length - 1] ?? '').slice(6)) as { error: { code: string; message: string } }
}

const backup = (t: TestContext): Promise<FakeUpstream> => fakeUpstreamFor(t, json(200, completion('from backup')), scriptedStream([role, content('from backup'), ...done], 'chatcmpl-backup'))

// ---- stream_timeout ----

test('stream_timeout (fractional seconds) moves a silent stream on to the next upstream', within, async (t) => {
  const first = await fakeUpstreamFor(t, hang())
  const second = await fakeUpstreamFor(t, scriptedStream([role, content('from second'), ...done]))
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['stream_timeout: 0.3', 'timeout: 60'], upstreams: [
    { name: 'first', endpoint: first.endpoint },
    { name: 'second', endpoint: second.endpoint },
  ] })

  assert.equal(await streamedContent(gateway), 'from second')
  await first.requests[0]?.aborted
  assert.deepEqual(summary((await gateway.outcomeAt(0)).attempts), [
    ['first', 'failed', 'upstream_timeout'],
    ['second', 'ok', undefined],
  ])
})

test('a role chunk meets stream_timeout: content after longer than stream_timeout but within idle_timeout succeeds', within, async (t) => {
  const first = await fakeUpstreamFor(t, scriptedStream([role, { pauseMs: 1200 }, content('slow thinker'), ...done]))
  const second = await backup(t)
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['stream_timeout: 0.5', 'idle_timeout: 10', 'timeout: 60'], upstreams: [
    { name: 'first', endpoint: first.endpoint },
    { name: 'second', endpoint: second.endpoint },
  ] })

  assert.equal(await streamedContent(gateway), 'slow thinker')
  assert.equal(second.requests.length, 0)
  assert.deepEqual(summary((await gateway.outcomeAt(0)).attempts), [['first', 'ok', undefined]])
})

test('the last candidate gets timeout, not stream_timeout', within, async (t) => {
  const only = await fakeUpstreamFor(t, delayed(500, scriptedStream([role, content('late but fine'), ...done])))
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['stream_timeout: 0.2', 'timeout: 5'], upstreams: [{ name: 'only', endpoint: only.endpoint }] })

  assert.equal(await streamedContent(gateway), 'late but fine')
  assert.deepEqual(summary((await gateway.outcomeAt(0)).attempts), [['only', 'ok', undefined]])
})

test('the last of several candidates gets timeout too, after the others used stream_timeout', within, async (t) => {
  const first = await fakeUpstreamFor(t, hang())
  const last = await fakeUpstreamFor(t, delayed(500, scriptedStream([role, content('last but fine'), ...done])))
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['stream_timeout: 0.2', 'timeout: 5'], upstreams: [
    { name: 'first', endpoint: first.endpoint },
    { name: 'last', endpoint: last.endpoint },
  ] })

  assert.equal(await streamedContent(gateway), 'last but fine')
  assert.deepEqual(summary((await gateway.outcomeAt(0)).attempts), [
    ['first', 'failed', 'upstream_timeout'],
    ['last', 'ok', undefined],
  ])
})

test('stream_timeout also bounds an upstream that never accepts the connection', within, async (t) => {
  const second = await fakeUpstreamFor(t, scriptedStream([role, content('from second'), ...done]))
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['stream_timeout: 0.3', 'timeout: 60'], upstreams: [
    { name: 'first', endpoint: (await startUnacceptingEndpoint(t)).endpoint },
    { name: 'second', endpoint: second.endpoint },
  ] })

  assert.equal(await streamedContent(gateway), 'from second')
  assert.deepEqual(summary((await gateway.outcomeAt(0)).attempts), [
    ['first', 'failed', 'upstream_timeout'],
    ['second', 'ok', undefined],
  ])
})

// ---- idle_timeout ----

test('idle_timeout bounds a long reasoning pause after the commit point: an error event, no [DONE]', within, async (t) => {
  const first = await fakeUpstreamFor(t, scriptedStream([role, { data: chunkFrom('{id}', { reasoning_content: 'Considering' }) }, 'hang']))
  const second = await backup(t)
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['stream_timeout: 10', 'idle_timeout: 0.3'], upstreams: [
    { name: 'first', endpoint: first.endpoint },
    { name: 'second', endpoint: second.endpoint },
  ] })

  const response = await postChat(gateway, clientKey, streamRequest)
  const text = await response.text()

  assert.equal(response.status, 200)
  assert.ok(text.includes('Considering'), text)
  assert.ok(!text.includes('[DONE]'), text)
  assert.equal(lastDataEvent(text).error.code, 'upstream_idle_timeout')
  assert.equal(second.requests.length, 0)
  await first.requests[0]?.aborted
  const outcome = await gateway.outcomeAt(0)
  assert.equal(outcome.errorCode, 'upstream_idle_timeout')
  assert.deepEqual(summary(outcome.attempts), [['first', 'failed', 'upstream_idle_timeout']])
})

test('idle_timeout bounds the gaps between content chunks as well', within, async (t) => {
  const first = await fakeUpstreamFor(t, scriptedStream([role, content('one'), content('two'), 'hang']))
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['idle_timeout: 0.3'], upstreams: [{ name: 'first', endpoint: first.endpoint }] })

  const text = await (await postChat(gateway, clientKey, streamRequest)).text()

  assert.ok(text.includes('"two"'), text)
  assert.equal(lastDataEvent(text).error.code, 'upstream_idle_timeout')
})

// ---- timeout (non-stream) ----

test('timeout bounds the first byte of a non-stream answer and moves on', within, async (t) => {
  const first = await fakeUpstreamFor(t, hang())
  const second = await backup(t)
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['timeout: 0.3', 'stream_timeout: 60'], upstreams: [
    { name: 'first', endpoint: first.endpoint },
    { name: 'second', endpoint: second.endpoint },
  ] })

  const answer = await openaiClientFor(gateway, clientKey).chat.completions.create(chatRequest)

  assert.equal(answer.choices[0]?.message.content, 'from backup')
  assert.deepEqual(summary((await gateway.outcomeAt(0)).attempts), [
    ['first', 'failed', 'upstream_timeout'],
    ['second', 'ok', undefined],
  ])
})

test('a non-stream request is held to timeout, not stream_timeout', within, async (t) => {
  const first = await fakeUpstreamFor(t, delayed(500, json(200, completion('from first'))))
  const second = await backup(t)
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['timeout: 5', 'stream_timeout: 0.2'], upstreams: [
    { name: 'first', endpoint: first.endpoint },
    { name: 'second', endpoint: second.endpoint },
  ] })

  const answer = await openaiClientFor(gateway, clientKey).chat.completions.create(chatRequest)

  assert.equal(answer.choices[0]?.message.content, 'from first')
  assert.equal(second.requests.length, 0)
})

// ---- Per-upstream overrides ----

test('an upstream\'s own stream_timeout overrides the global one', within, async (t) => {
  const first = await fakeUpstreamFor(t, delayed(500, scriptedStream([role, content('patient'), ...done])))
  const second = await backup(t)
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['stream_timeout: 0.2', 'timeout: 60'], upstreams: [
    { name: 'first', endpoint: first.endpoint, extra: ['stream_timeout: 5'] },
    { name: 'second', endpoint: second.endpoint },
  ] })

  assert.equal(await streamedContent(gateway), 'patient')
  assert.equal(second.requests.length, 0)
})

test('an upstream\'s own short stream_timeout applies to it alone', within, async (t) => {
  const first = await fakeUpstreamFor(t, hang())
  const second = await fakeUpstreamFor(t, delayed(500, scriptedStream([role, content('second is slow but allowed'), ...done])))
  const third = await backup(t)
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['stream_timeout: 60'], upstreams: [
    { name: 'first', endpoint: first.endpoint, extra: ['stream_timeout: 0.2'] },
    { name: 'second', endpoint: second.endpoint },
    { name: 'third', endpoint: third.endpoint },
  ] })

  assert.equal(await streamedContent(gateway), 'second is slow but allowed')
  assert.equal(third.requests.length, 0)
})

test('an upstream\'s own timeout overrides the global one', within, async (t) => {
  const first = await fakeUpstreamFor(t, delayed(500, json(200, completion('from first'))))
  const second = await backup(t)
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['timeout: 0.2'], upstreams: [
    { name: 'first', endpoint: first.endpoint, extra: ['timeout: 5'] },
    { name: 'second', endpoint: second.endpoint },
  ] })

  const answer = await openaiClientFor(gateway, clientKey).chat.completions.create(chatRequest)

  assert.equal(answer.choices[0]?.message.content, 'from first')
  assert.equal(second.requests.length, 0)
})

test('an upstream\'s own idle_timeout overrides the global one, both ways', within, async (t) => {
  const lenient = await fakeUpstreamFor(t, scriptedStream([role, content('a'), { pauseMs: 600 }, content('b'), ...done]))
  const strict = await fakeUpstreamFor(t, scriptedStream([role, content('a'), 'hang']))
  const lenientGateway = await gatewayWith(t, { clientKey, topLevel: ['idle_timeout: 0.2'], upstreams: [{ name: 'lenient', endpoint: lenient.endpoint, extra: ['idle_timeout: 10'] }] })
  const strictGateway = await gatewayWith(t, { clientKey, topLevel: ['idle_timeout: 600'], upstreams: [{ name: 'strict', endpoint: strict.endpoint, extra: ['idle_timeout: 0.3'] }] })

  assert.equal(await streamedContent(lenientGateway), 'ab')
  const text = await (await postChat(strictGateway, clientKey, streamRequest)).text()
  assert.equal(lastDataEvent(text).error.code, 'upstream_idle_timeout')
})

// ---- total_timeout ----

/** Sends a chunk every 50 ms until the gateway hangs up: never idle, never done. */
function endless(chunkData: string): Behaviour {
  return async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(`data: ${chunkFrom('chatcmpl-endless', { role: 'assistant', content: '' })}\n\n`)
    while (!req.wasAborted() && !res.destroyed) {
      res.write(`data: ${chunkData}\n\n`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

test('total_timeout ends a stream that is never idle, after the commit point with an error event', within, async (t) => {
  const first = await fakeUpstreamFor(t, endless(chunkFrom('chatcmpl-endless', { content: 'more ' })))
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['idle_timeout: 10', 'stream_timeout: 10', 'total_timeout: 0.5'], upstreams: [{ name: 'first', endpoint: first.endpoint }] })

  const text = await (await postChat(gateway, clientKey, streamRequest)).text()

  assert.ok(text.includes('more '), text)
  assert.ok(!text.includes('[DONE]'))
  const last = lastDataEvent(text)
  assert.equal(last.error.code, 'upstream_timeout')
  await first.requests[0]?.aborted
})

test('total_timeout before the commit point fails over: an upstream that only ever sends role chunks', within, async (t) => {
  const first = await fakeUpstreamFor(t, endless(chunkFrom('chatcmpl-endless', { role: 'assistant' })))
  const second = await fakeUpstreamFor(t, scriptedStream([role, content('from second'), ...done]))
  const gateway = await gatewayWith(t, { clientKey, topLevel: ['idle_timeout: 10', 'stream_timeout: 10'], upstreams: [
    { name: 'first', endpoint: first.endpoint, extra: ['total_timeout: 0.4'] },
    { name: 'second', endpoint: second.endpoint },
  ] })

  assert.equal(await streamedContent(gateway), 'from second')
  assert.deepEqual(summary((await gateway.outcomeAt(0)).attempts), [
    ['first', 'failed', 'upstream_timeout'],
    ['second', 'ok', undefined],
  ])
})
