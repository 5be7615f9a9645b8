// One huge SSE event through the real gateway: it is relayed whole while the gateway keeps answering others, and
// one larger than max_event_size fails its attempt as upstream_bad_response (failing over before the commit point).
import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { test } from 'node:test'
import { chunk, eventText, sse, streamOf, type Behaviour, type ReceivedRequest } from './helpers/fake-upstream.js'
import { dataEvents, deferred, fakeUpstreamFor, gatewayWith, postChat, streamRequest } from './helpers/scripted-gateway.js'

const clientKey = 'client-key-huge'
const mib = 1024 * 1024

/**
 * A role chunk, then one content chunk of `contentBytes` written in 1 MiB pieces; the event's blank line (and
 * [DONE]) are written only once `finish` resolves, so the event is still streaming until then.
 */
function hugeEventStream(contentBytes: number, finish: Promise<void>, written: () => void): Behaviour {
  return async (req: ReceivedRequest, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(eventText(chunk({ role: 'assistant', content: '' })))
    const text = `data: ${JSON.stringify(chunk({ content: 'y'.repeat(contentBytes) }))}`
    for (let at = 0; at < text.length && !req.wasAborted(); at += mib) {
      const piece = text.slice(at, at + mib)
      if (!res.write(piece)) await new Promise<void>((resolve) => res.once('drain', resolve))
    }
    written()
    await finish
    if (!req.wasAborted()) res.end(`\n\ndata: ${JSON.stringify(chunk({}, 'stop'))}\n\ndata: [DONE]\n\n`)
  }
}

// The deadline only stops a hang: reading a 40 MiB event costs the gateway well under a second, where scanning
// the held bytes again on every read cost it minutes.
test('a 40 MiB event streams through whole while /healthz is answered in the middle of it', { timeout: 60_000 }, async (t) => {
  const finish = deferred()
  const allWritten = deferred()
  const upstream = await fakeUpstreamFor(t, hugeEventStream(40 * mib, finish.promise, allWritten.resolve))
  const gateway = await gatewayWith(t, {
    clientKey,
    topLevel: ['max_event_size: 64MiB'],
    upstreams: [{ name: 'huge', endpoint: upstream.endpoint }],
  })

  const answer = postChat(gateway, clientKey, streamRequest).then((response) => response.text())
  // The whole event except its blank line has left the upstream: the gateway is still reading and holding it.
  await allWritten.promise
  const health = await fetch(`${gateway.url}/healthz`)
  assert.equal(health.status, 200)
  assert.deepEqual(await health.json(), { status: 'ok' })
  finish.resolve()

  const events = dataEvents(await answer)
  assert.equal(events.length, 4)
  const huge = JSON.parse(events[1] as string) as { choices: Array<{ delta: { content: string } }> }
  assert.equal(huge.choices[0]?.delta.content.length, 40 * mib)
  assert.equal(events[3], '[DONE]')
})

test(
  'an event larger than max_event_size fails the attempt as upstream_bad_response: before the commit point it fails over',
  { timeout: 60_000 },
  async (t) => {
    const tooLarge = async (_req: ReceivedRequest, res: ServerResponse): Promise<void> => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      // One event of 2 MiB, never finished; the role chunk alone is not yet the commit point.
      res.write(eventText(chunk({ role: 'assistant', content: '' })))
      res.write(`data: {"filler":"${'z'.repeat(2 * mib)}`)
    }
    const first = await fakeUpstreamFor(t, tooLarge)
    const second = await fakeUpstreamFor(t, sse(streamOf(['from ', 'second'])))
    const gateway = await gatewayWith(t, {
      clientKey,
      // Smaller than what is held before the commit point (16 KiB), so the bound is met before it.
      topLevel: ['max_event_size: 8KiB'],
      upstreams: [
        { name: 'first', endpoint: first.endpoint },
        { name: 'second', endpoint: second.endpoint },
      ],
    })
    const index = await gateway.nextOutcomeIndex()
    const text = await (await postChat(gateway, clientKey, streamRequest)).text()
    assert.ok(text.includes('from ') && text.includes('second'), text)
    const outcome = await gateway.outcomeAt(index)
    assert.deepEqual(
      outcome.attempts.map((a) => [a.upstream, a.outcome, a.errorCode]),
      [
        ['first', 'failed', 'upstream_bad_response'],
        ['second', 'ok', undefined],
      ],
    )
  },
)

test(
  'an event larger than max_event_size after the commit point ends the stream with an upstream_bad_response error event',
  { timeout: 60_000 },
  async (t) => {
    const upstream = await fakeUpstreamFor(t, async (_req: ReceivedRequest, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: 'Hel' }))}\n\n`)
      res.write(`data: ${JSON.stringify(chunk({ content: 'w'.repeat(3 * mib) }))}\n\n`)
      res.end('data: [DONE]\n\n')
    })
    const gateway = await gatewayWith(t, {
      clientKey,
      topLevel: ['max_event_size: 1MiB'],
      upstreams: [{ name: 'only', endpoint: upstream.endpoint }],
    })
    const index = await gateway.nextOutcomeIndex()
    const text = await (await postChat(gateway, clientKey, streamRequest)).text()
    const events = dataEvents(text)
    assert.equal(events.length, 2, text.slice(0, 500))
    assert.match(events[0] as string, /"content":"Hel"/)
    const error = (JSON.parse(events[1] as string) as { error: { code: string; type: string } }).error
    assert.equal(error.code, 'upstream_bad_response')
    assert.equal(error.type, 'server_error')
    assert.ok(!text.includes('[DONE]'))
    const outcome = await gateway.outcomeAt(index)
    assert.equal(outcome.errorCode, 'upstream_bad_response')
  },
)
