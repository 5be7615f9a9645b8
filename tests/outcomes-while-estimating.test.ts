// A token estimate still being counted (the tokenizer loading after a client-aborted stream, say) holds back
// only that request's own token figures: the next request's log line and metrics come at once, records get
// the estimate when it is ready, and shutdown does not wait for it.
import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { test, type TestContext } from 'node:test'
import type { RequestOutcome } from '../src/outcome/request-outcome.js'
import type { TokenEstimator } from '../src/tokens/token-estimator.js'
import { chunk, eventText, completion, json, type ReceivedRequest } from './helpers/fake-upstream.js'
import { chatRequest, deferred, fakeUpstreamFor, gatewayYaml, postChat, streamRequest } from './helpers/scripted-gateway.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'
import { waitFor } from './helpers/wait-for.js'

const clientKey = 'client-key-estimating'

/** Counts only once released, like a tokenizer still loading: one character per token then. */
class HeldEstimator implements TokenEstimator {
  asked = 0
  readonly #gate = deferred()

  count(texts: readonly string[]): Promise<number[]> {
    this.asked++
    return this.#gate.promise.then(() => texts.map((text) => text.length))
  }

  release(): void {
    this.#gate.resolve()
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}

/** The first request streams a word and then hangs (its client leaves); later ones are answered with usage. */
async function gatewayWithAbortedStream(
  t: TestContext,
  tokens: TokenEstimator,
): Promise<{ gateway: TestGateway; leave: () => Promise<void> }> {
  const sentFirstWord = deferred()
  const streamThenHang = async (req: ReceivedRequest, res: ServerResponse): Promise<void> => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(eventText(chunk({ role: 'assistant', content: 'Hello there' })))
    sentFirstWord.resolve()
    await req.aborted
  }
  const upstream = await fakeUpstreamFor(t, streamThenHang, json(200, completion('answered')))
  const gateway = await startTestGateway(
    gatewayYaml({ clientKey, upstreams: [{ name: 'only', endpoint: upstream.endpoint }] }),
    {},
    { tokens },
  )
  // Shutdown runs once: the later call from here returns the first one's promise.
  t.after(() => gateway.shutdown(1000))
  const leave = async (): Promise<void> => {
    const client = new AbortController()
    const pending = postChat(gateway, clientKey, streamRequest, { signal: client.signal })
    const response = await pending
    const reader = response.body?.getReader()
    await sentFirstWord.promise
    await reader?.read()
    client.abort()
    await reader?.cancel().catch(() => undefined)
  }
  return { gateway, leave }
}

function requestLines(gateway: TestGateway): Array<Record<string, unknown>> {
  return gateway.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['msg'] === 'request')
}

function requestsCounted(gateway: TestGateway): number {
  const family = gateway.observability.metrics.registry.snapshot().find((f) => f.name.endsWith('requests_total'))
  return family === undefined || family.type === 'histogram' ? 0 : family.samples.reduce((sum, sample) => sum + sample.value, 0)
}

test('the next request is logged and counted while an earlier one waits for its token estimate', { timeout: 20_000 }, async (t) => {
  const tokens = new HeldEstimator()
  const { gateway, leave } = await gatewayWithAbortedStream(t, tokens)
  await leave()
  await waitFor(() => tokens.asked === 1, 'the aborted stream asks for an estimate')

  const answered = await postChat(gateway, clientKey, chatRequest)
  assert.equal(answered.status, 200)
  await answered.text()
  await waitFor(
    () => requestLines(gateway).some((line) => line['status'] === 200 && line['errorCode'] === undefined),
    'the second request is logged',
  )
  const lines = requestLines(gateway)
  assert.equal(lines.length, 2, 'both requests are logged, the aborted one without its figures yet')
  assert.equal(lines[0]?.['errorCode'], 'client_closed')
  assert.equal(lines[0]?.['tokens'], undefined)
  assert.equal(lines[1]?.['tokens'], 'reported')
  assert.equal(requestsCounted(gateway), 2, 'both requests are in the metrics')
  assert.deepEqual(
    gateway.outcomes.map((o) => o.status),
    [200],
    'only the answered request is recorded yet: the aborted one waits for its figures',
  )

  tokens.release()
  await gateway.outcomesSettled()
  const aborted = gateway.outcomes.find((o) => o.errorCode === 'client_closed') as RequestOutcome
  assert.equal(aborted.usage?.source, 'estimated', 'the record still gets the estimate')
  assert.ok((aborted.usage?.completionTokens ?? 0) > 0)
  const late = gateway.logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line['msg'] === 'request tokens')
  assert.equal(late?.['requestId'], aborted.requestId, 'the figures follow in a line of their own')
  assert.equal(late?.['completionTokens'], aborted.usage?.completionTokens)
})

test('shutdown does not wait for a token estimate: the record gets a rough one at once', { timeout: 20_000 }, async (t) => {
  const tokens = new HeldEstimator()
  const { gateway, leave } = await gatewayWithAbortedStream(t, tokens)
  await leave()
  await waitFor(() => tokens.asked === 1, 'the aborted stream asks for an estimate')
  // The estimator is never released: shutdown ends all the same, with every outcome recorded.
  await gateway.shutdown(1000)
  assert.equal(gateway.outcomes.length, 1, 'the aborted stream is recorded before shutdown ends')
  const usage = gateway.outcomes[0]?.usage
  assert.equal(usage?.source, 'estimated')
  // Four characters per token rather than the held counter's one: 'Hello there' is 11 characters.
  assert.equal(usage?.completionTokens, 3)
})
