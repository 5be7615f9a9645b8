// The active probe of each upstream type: the request it is, and what counts as the upstream being up.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { json, openaiError, startFakeUpstream } from '../../tests/helpers/fake-upstream.js'
import { upstreamFrom } from '../../tests/helpers/recording-sink.js'
import { UpstreamClients } from './upstream-clients.js'
import { probeRequest, sendProbe } from './upstream-probe.js'

test("each type's probe is its model list, with the upstream's key where that type sends it", () => {
  const openai = probeRequest(upstreamFrom('endpoint: https://api.example.com/v1', 'sk: sk-o'))
  assert.deepEqual(openai, {
    origin: 'https://api.example.com',
    path: '/v1/models',
    headers: { accept: 'application/json', 'x-request-id': 'health-probe', authorization: 'Bearer sk-o' },
  })
  const azure = probeRequest(
    upstreamFrom('type: azure', 'endpoint: https://res.openai.azure.com/openai', 'sk: az-key', 'api_version: 2024-10-21'),
  )
  assert.equal(azure?.path, '/openai/models?api-version=2024-10-21')
  assert.equal(azure?.headers['api-key'], 'az-key')
  assert.equal(azure?.headers['authorization'], undefined)
  const anthropic = probeRequest(upstreamFrom('type: anthropic', 'endpoint: https://api.anthropic.com/v1', 'sk: ant-key'))
  assert.equal(anthropic?.path, '/v1/models')
  assert.equal(anthropic?.headers['x-api-key'], 'ant-key')
  assert.equal(anthropic?.headers['anthropic-version'], '2023-06-01')
  const basic = probeRequest(upstreamFrom('endpoint: http://user:pw@10.0.0.5:8000/v1'))
  assert.equal(basic?.headers['authorization'], `Basic ${Buffer.from('user:pw').toString('base64')}`)
})

test('Replicate upstreams and sk: asis upstreams (no key of the gateway to send) are not probed', () => {
  assert.equal(probeRequest(upstreamFrom('type: replicate', 'endpoint: https://api.replicate.com/v1', 'sk: r8-key')), undefined)
  assert.equal(probeRequest(upstreamFrom('endpoint: https://api.example.com/v1', 'sk: asis')), undefined)
})

test('a probe succeeds on a 2xx only, and a refused connection is a failure, not an error', async () => {
  const up = await startFakeUpstream(json(200, { object: 'list', data: [] }), openaiError(401, 'bad key'))
  const clients = new UpstreamClients()
  try {
    const probe = probeRequest(upstreamFrom(`endpoint: "${up.endpoint}"`, 'sk: sk-x'))
    assert.ok(probe !== undefined)
    assert.equal(await sendProbe(clients, probe, 5_000), true)
    assert.equal(await sendProbe(clients, probe, 5_000), false)
    await up.close()
    assert.equal(await sendProbe(clients, probe, 5_000), false)
  } finally {
    await clients.close()
    await up.close()
  }
})
