// Credentials written in an endpoint URL (`http://user:password@host/v1`): sent to the upstream as HTTP Basic
// credentials, and never stored in records, printed by -list, or relayed back when the upstream echoes them.
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { formatUpstreamList } from '../src/cli/list-upstreams.js'
import { parseConfigText } from '../src/config/load-config.js'
import { completion, json, startFakeUpstream } from './helpers/fake-upstream.js'
import { eventually, startRecordingGateway } from './helpers/recording-gateway.js'

const clientKey = 'client-key-basic'
const username = 'gateway'
const password = 'Pa55:w/rd-SECRET-8841'
const basicToken = Buffer.from(`${username}:${password}`).toString('base64')

test('the endpoint URL credentials go to the upstream as Basic auth and never into records, -list or answers', async (t) => {
  const upstream = await startFakeUpstream(
    json(200, completion('hello')),
    // The upstream quotes what it was sent: the password, and the Basic token.
    json(
      400,
      { error: { message: `bad credentials ${password} (${basicToken})`, type: 'invalid_request_error', param: null, code: null } },
      { 'x-echo': `Basic ${basicToken}` },
    ),
  )
  t.after(() => upstream.close())
  const dir = await mkdtemp(join(tmpdir(), 'endpoint-credentials-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const endpoint = `http://${username}:${encodeURIComponent(password)}@127.0.0.1:${upstream.port}/v1`
  const yaml = [
    'dbtype: sqlite',
    `dbaddr: ${join(dir, 'records.sqlite')}`,
    `authorization: ${clientKey}`,
    'records: {flush_interval: 0.02}',
    'upstreams:',
    `  - endpoint: ${endpoint}`,
    '',
  ].join('\n')

  const listed = formatUpstreamList(parseConfigText(yaml, 'test.yaml', {}).config)
  assert.ok(!listed.includes(password) && !listed.includes(encodeURIComponent(password)) && !listed.includes(username), listed)

  const gateway = await startRecordingGateway(yaml)
  let stopped = false
  t.after(async () => {
    if (!stopped) await gateway.shutdown(1000)
  })
  await gateway.recording.ready
  const post = (): Promise<Response> =>
    fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
    })

  const ok = await post()
  assert.equal(ok.status, 200)
  await ok.text()
  assert.equal(upstream.requests[0]?.headers['authorization'], `Basic ${basicToken}`)
  // The request line and Host carry no credentials.
  assert.equal(upstream.requests[0]?.url, '/v1/chat/completions')
  assert.equal(upstream.requests[0]?.headers['host'], `127.0.0.1:${upstream.port}`)

  const echoed = await post()
  assert.equal(echoed.status, 400)
  const echoedText = `${JSON.stringify([...echoed.headers.entries()])}${await echoed.text()}`
  for (const secret of [password, encodeURIComponent(password), basicToken]) assert.ok(!echoedText.includes(secret), echoedText)

  await eventually(() => gateway.outcomes.length === 2, 'both outcomes are observed')
  stopped = true
  await gateway.shutdown(1000)
  const files = (await readdir(dir)).filter((name) => name.startsWith('records.sqlite'))
  const stored = Buffer.concat(await Promise.all(files.map((name) => readFile(join(dir, name))))).toString('latin1')
  assert.ok(stored.includes(`127.0.0.1:${upstream.port}/v1`), 'the endpoint itself is recorded')
  for (const secret of [password, encodeURIComponent(password), basicToken, `${username}:`])
    assert.ok(!stored.includes(secret), `the records hold ${secret}`)
})
