// The log of a request's attempts: every failed attempt of a failover names its upstream and why (status or
// error code); at debug each attempt's start, commit and end are logged too.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfigText } from '../src/config/load-config.js'
import { startGateway } from '../src/gateway.js'
import { createLogger, type LogLevel } from '../src/log/logger.js'
import { completion, json, openaiError } from './helpers/fake-upstream.js'
import { chatRequest, fakeUpstreamFor, gatewayYaml, postChat } from './helpers/scripted-gateway.js'
import type { TestGateway } from './helpers/test-gateway.js'
import { waitFor } from './helpers/wait-for.js'
import { refusedEndpoint } from './helpers/refused-endpoint.js'

const clientKey = 'client-key-attempt-log'

type Line = Record<string, unknown>

async function gatewayAt(
  t: import('node:test').TestContext,
  level: LogLevel,
  upstreams: ReadonlyArray<{ name: string; endpoint: string }>,
): Promise<{ url: string; lines: () => Line[] }> {
  const { config } = parseConfigText(`address: "127.0.0.1:0"\n${gatewayYaml({ clientKey, upstreams })}`, 'test.yaml', {})
  const written: string[] = []
  const gateway = await startGateway({ config, logger: createLogger({ level, write: (line) => written.push(line) }) })
  t.after(() => gateway.shutdown(1000))
  return { url: gateway.url, lines: () => written.map((line) => JSON.parse(line) as Line) }
}

/** Posts a chat request and reads the answer; resolves once the request's own line is logged (after its end). */
async function post(gateway: { url: string; lines: () => Line[] }): Promise<number> {
  const before = gateway.lines().filter((line) => line['msg'] === 'request').length
  const response = await postChat({ baseURL: `${gateway.url}/v1` } as TestGateway, clientKey, chatRequest)
  await response.text()
  await waitFor(() => gateway.lines().filter((line) => line['msg'] === 'request').length > before, 'the request is logged')
  return response.status
}

test('a failover across failing upstreams logs each failed attempt with the upstream and why', async (t) => {
  const overloaded = await fakeUpstreamFor(t, openaiError(503, 'overloaded'))
  const limited = await fakeUpstreamFor(t, openaiError(429, 'rate limited', 'requests', 'rate_limit_exceeded'))
  const refused = await refusedEndpoint()
  const gateway = await gatewayAt(t, 'info', [
    { name: 'overloaded', endpoint: overloaded.endpoint },
    { name: 'limited', endpoint: limited.endpoint },
    { name: 'refused', endpoint: refused },
  ])
  assert.equal(await post(gateway), 502)
  const failed = gateway.lines().filter((line) => line['msg'] === 'attempt failed')
  assert.equal(failed.length, 3, JSON.stringify(gateway.lines()))
  assert.deepEqual(
    failed.map((line) => [line['level'], line['upstream'], line['status'], line['errorCode'], line['next']]),
    [
      ['warn', 'overloaded', 503, 'upstream_status', 'limited'],
      ['warn', 'limited', 429, 'upstream_status', 'refused'],
      ['warn', 'refused', undefined, failed[2]?.['errorCode'], undefined],
    ],
  )
  assert.equal(typeof failed[2]?.['errorCode'], 'string', 'a failure without a status names its error code')
  const requestId = gateway.lines().find((line) => line['msg'] === 'request')?.['requestId']
  assert.ok(
    failed.every((line) => line['requestId'] === requestId),
    'each line carries the request id',
  )
  assert.equal(
    gateway.lines().some((line) => line['level'] === 'debug'),
    false,
    'no debug lines at info',
  )
})

test('at debug, each attempt logs its start, its commit and its end', async (t) => {
  const failing = await fakeUpstreamFor(t, openaiError(500, 'boom'))
  const working = await fakeUpstreamFor(t, json(200, completion('fine')))
  const gateway = await gatewayAt(t, 'debug', [
    { name: 'failing', endpoint: failing.endpoint },
    { name: 'working', endpoint: working.endpoint },
  ])
  assert.equal(await post(gateway), 200)
  const attempts = gateway.lines().filter((line) => typeof line['msg'] === 'string' && line['msg'].startsWith('attempt '))
  assert.deepEqual(
    attempts.map((line) => [line['msg'], line['upstream'], line['attempt']]),
    [
      ['attempt start', 'failing', 1],
      ['attempt failed', 'failing', 1],
      ['attempt end', 'failing', 1],
      ['attempt start', 'working', 2],
      ['attempt commit', 'working', 2],
      ['attempt end', 'working', 2],
    ],
  )
  const end = attempts[5] as Line
  assert.equal(end['outcome'], 'ok')
  assert.equal(end['status'], 200)
  assert.equal(end['committed'], true)
})

test('nothing but the request line is logged for a request that needed no failover', async (t) => {
  const working = await fakeUpstreamFor(t, json(200, completion('fine')))
  const gateway = await gatewayAt(t, 'info', [{ name: 'working', endpoint: working.endpoint }])
  assert.equal(await post(gateway), 200)
  assert.deepEqual(
    gateway.lines().map((line) => line['msg']),
    ['request'],
  )
})
