// SseSink: whole events held until the first visible one, then relayed; the usage-only chunk dropped when asked;
// the upstream's error event searched for secrets; [DONE] ends the answer; a stream cut before it commits fails over.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FakeAttemptContext } from '../../tests/helpers/fake-attempt-context.js'
import { GatewayError } from '../errors/gateway-error.js'
import { SecretRedactor } from '../secrets/secret-redactor.js'
import { maxHeldBytes, SseSink, type SseSinkOptions } from './sse-sink.js'

const secret = 'sk-upstream-secret-0123456789'
const event = (payload: object): string => `data: ${JSON.stringify(payload)}\n\n`
const roleOnly = event({ choices: [{ index: 0, delta: { role: 'assistant' } }] })
const hi = event({ choices: [{ index: 0, delta: { content: 'hi' } }] })
const usageOnly = event({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } })

function sink(options: Partial<SseSinkOptions> = {}): { context: FakeAttemptContext; sink: SseSink } {
  const redactor = new SecretRedactor([secret])
  const context = new FakeAttemptContext(redactor)
  const defaults: SseSinkOptions = { upstreamName: 'primary', dialect: 'chat', stripUsageChunk: false, maxEventBytes: 1024, redactor }
  return { context, sink: new SseSink(context, { ...defaults, ...options }) }
}

/** The body inside the chunked coding. */
function unchunked(raw: string): string {
  let out = ''
  for (let at = 0; at < raw.length;) {
    const lineEnd = raw.indexOf('\r\n', at)
    const size = Number.parseInt(raw.slice(at, lineEnd), 16)
    out += raw.slice(lineEnd + 2, lineEnd + 2 + size)
    at = lineEnd + 2 + size + 2
  }
  return out
}

test('role-only events are held; the first visible one commits them all, in one write', () => {
  const { context, sink: s } = sink()
  assert.equal(s.push(Buffer.from(roleOnly)), true)
  assert.equal(s.push(Buffer.from(roleOnly.slice(0, 5))), true)
  assert.equal(context.committed, false)
  s.push(Buffer.from(roleOnly.slice(5) + hi + 'data: {"cho'))
  assert.deepEqual(context.commits, [{ stream: true }])
  assert.equal(context.res.calls.filter((c) => c.call === 'write').length, 1)
  assert.equal(unchunked(context.res.body), roleOnly + roleOnly + hi)
  assert.equal(s.end(), undefined)
  assert.deepEqual(s.captured(), { usage: undefined, text: 'hi' })
})

test('the opaque dialect commits at its first event', () => {
  const { context, sink: s } = sink({ dialect: 'opaque' })
  s.push(Buffer.from(event({ type: 'response.created', response: {} })))
  assert.equal(context.committed, true)
})

test('more than 16 KiB of held events commits anyway', () => {
  const { context, sink: s } = sink({ maxEventBytes: 1 << 20 })
  while (!context.committed) s.push(Buffer.from(roleOnly))
  assert.ok(unchunked(context.res.body).length > maxHeldBytes)
})

test('the usage-only chunk is dropped when the gateway asked for it, and kept otherwise; its usage is read either way', () => {
  for (const strip of [true, false]) {
    const { context, sink: s } = sink({ stripUsageChunk: strip })
    s.push(Buffer.from(hi + usageOnly + 'data: [DONE]\n\n'))
    assert.equal(context.finished, 1)
    assert.equal(unchunked(context.res.body), strip ? hi + 'data: [DONE]\n\n' : hi + usageOnly + 'data: [DONE]\n\n')
    assert.deepEqual(s.captured().usage, { promptTokens: 1, completionTokens: 2, totalTokens: 3 })
  }
})

test('a run with the upstream error event is searched for secrets; others are relayed as they are', () => {
  const { context, sink: s } = sink()
  s.push(Buffer.from(hi))
  s.push(Buffer.from(event({ error: { message: `bad key ${secret}` } })))
  const body = unchunked(context.res.body)
  assert.ok(body.startsWith(hi))
  assert.ok(!body.includes(secret))
})

test('a stream that ends before its commit point fails over; one that ends after it writes its unfinished tail, searched', () => {
  const early = sink()
  early.sink.push(Buffer.from(roleOnly))
  assert.equal(early.sink.end()?.error.code, 'upstream_truncated')
  assert.equal(early.context.res.calls.length, 0)

  const late = sink()
  late.sink.push(Buffer.from(hi + `data: ${secret}`))
  assert.equal(late.sink.end(), undefined)
  assert.equal(unchunked(late.context.res.body), hi + 'data: [redacted]')
})

test('an event over max_event_size aborts the attempt', () => {
  const { context, sink: s } = sink({ maxEventBytes: 64 })
  assert.equal(s.push(Buffer.from(`data: ${'x'.repeat(100)}`)), false)
  assert.equal(context.aborts[0]?.code, 'upstream_bad_response')
})

test('a failure after the commit point ends the stream with an error event', () => {
  const { context, sink: s } = sink()
  s.push(Buffer.from(hi))
  s.interrupt(new GatewayError('upstream_reset', 'reset'))
  assert.match(unchunked(context.res.body), /^data: .*\n\ndata: \{"error":\{.*"code":"upstream_reset".*\}\}\n\n$/s)
})
