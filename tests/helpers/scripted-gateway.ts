// The real gateway in front of named upstreams, torn down with the test, and the client side the integration tests share.
import type { TestContext } from 'node:test'
import OpenAI from 'openai'
import type { AttemptRecord } from '../../src/outcome/request-outcome.js'
import { startFakeUpstream, type Behaviour, type FakeUpstream } from './fake-upstream.js'
import { startTestGateway, type TestGateway, type TestGatewayOptions } from './test-gateway.js'

export interface UpstreamEntry {
  readonly name: string
  readonly endpoint: string
  /** The upstream's own key; `sk-<name>-key` when not given. */
  readonly sk?: string
  /** More YAML keys for this upstream, e.g. `timeout: 0.3` or `type: anthropic`. */
  readonly extra?: readonly string[]
}

export interface GatewaySetup {
  /** The one client key the gateway accepts (`authorization:`). */
  readonly clientKey: string
  /** Top-level YAML lines, e.g. `stream_timeout: 0.3`. */
  readonly topLevel?: readonly string[]
  readonly upstreams: readonly UpstreamEntry[]
}

/** The config text for a setup; for suites that start one gateway in a `before` hook. */
export function gatewayYaml(setup: GatewaySetup): string {
  const lines = [`authorization: ${setup.clientKey}`, ...(setup.topLevel ?? []), 'upstreams:']
  for (const upstream of setup.upstreams) {
    lines.push(`  - name: ${upstream.name}`, `    sk: ${upstream.sk ?? `sk-${upstream.name}-key`}`, `    endpoint: ${upstream.endpoint}`)
    for (const extra of upstream.extra ?? []) lines.push(`    ${extra}`)
  }
  return `${lines.join('\n')}\n`
}

/** Starts the gateway for this test; it shuts down when the test ends. */
export async function gatewayWith(t: TestContext, setup: GatewaySetup, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const gateway = await startTestGateway(gatewayYaml(setup), {}, options)
  t.after(() => gateway.shutdown(1000))
  return gateway
}

/** Starts a fake upstream for this test; it closes when the test ends. */
export async function fakeUpstreamFor(t: TestContext, ...behaviours: Behaviour[]): Promise<FakeUpstream> {
  const upstream = await startFakeUpstream(...behaviours)
  t.after(() => upstream.close())
  return upstream
}

/** A promise the test resolves from outside, e.g. when a fake upstream saw something happen. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

export const chatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hello' }] }
export const streamRequest = { ...chatRequest, stream: true as const }

/** POST /v1/chat/completions with global fetch, so the test sees the status and bytes as sent. */
export function postChat(gateway: TestGateway, clientKey: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    ...init,
    method: 'POST',
    headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** The official client, without its own retries so every request the test makes is one request. */
export function openaiClientFor(gateway: TestGateway, clientKey: string): OpenAI {
  return new OpenAI({ baseURL: gateway.baseURL, apiKey: clientKey, maxRetries: 0 })
}

/** The text of a streamed answer, read to its end. */
export async function streamedText(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<string> {
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
  return text
}

/** Each attempt as [upstream, outcome, errorCode], for comparing a request's attempts at a glance. */
export function attemptSummary(attempts: readonly AttemptRecord[]): Array<[string, string, string | undefined]> {
  return attempts.map((a) => [a.upstream, a.outcome, a.errorCode])
}

/** The `data:` payloads of an SSE text, in order (a multi-line payload joined with newlines). */
export function dataEvents(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) =>
      block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
        .join('\n'),
    )
}

/** The error an SSE text ends with: the error event a stream cut short after its commit point carries. */
export function finalErrorEvent(text: string): { error: { message: string; type: string; param: unknown; code: string } } {
  return JSON.parse(dataEvents(text).at(-1) ?? 'null') as { error: { message: string; type: string; param: unknown; code: string } }
}
