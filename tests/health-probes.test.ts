// Active probes (`health.probe_interval`) end to end on a ManualClock: while an upstream is open the gateway itself
// asks it for its model list, with its key, every interval; a 2xx moves it to half-open without any client traffic,
// and the next request is the probe that closes it. Nothing is probed while it is closed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock } from '../src/time/manual-clock.js'
import { completion, json, openaiError, startFakeUpstream, type Behaviour } from './helpers/fake-upstream.js'
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js'
import { waitFor } from './helpers/wait-for.js'

const intervalMs = 7_000

async function ask(gateway: TestGateway): Promise<string> {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  })
  assert.equal(response.status, 200)
  return response.text()
}

const stateOf = (gateway: TestGateway, upstream: string): string | undefined =>
  gateway.health.states().find((s) => s.upstream === upstream)?.state

test('an open upstream is probed with its key every interval; a 2xx makes it half-open with no client traffic', async () => {
  const clock = new ManualClock()
  let models: Behaviour = openaiError(503, 'down')
  let chat: Behaviour = openaiError(503, 'down')
  const primary = await startFakeUpstream((req, res) => (req.url.endsWith('/models') ? models(req, res) : chat(req, res)))
  const backup = await startFakeUpstream(json(200, completion('from backup')))
  const gateway = await startTestGateway(
    [
      'health: { failures_to_open: 2, cooldown: 3600, max_cooldown: 3600 }',
      'upstreams:',
      `  - { name: primary, sk: sk-probe-key, noauth: true, endpoint: "${primary.endpoint}", health: { probe_interval: 7 } }`,
      `  - { name: backup, noauth: true, endpoint: "${backup.endpoint}" }`,
      '',
    ].join('\n'),
    {},
    { clock },
  )
  const probesOf = (): number => primary.requests.filter((r) => r.url.endsWith('/models')).length
  const chatsOf = (): number => primary.requests.filter((r) => r.url.endsWith('/chat/completions')).length
  /** Probe timers set so far: the prober sets the next one once a tick has settled. */
  const ticks = (): number => clock.delays.filter((ms) => ms === intervalMs).length
  /** Moves time one interval on and waits for the prober's tick to settle. */
  const interval = async (): Promise<void> => {
    const before = ticks()
    clock.advance(intervalMs)
    await waitFor(() => ticks() === before + 1, 'the next probe timer')
  }
  try {
    assert.equal(ticks(), 1, 'only the upstream with probe_interval is probed')
    await interval()
    await interval()
    assert.equal(probesOf(), 0, 'nothing is probed while closed')

    for (let i = 0; i < 2; i++) assert.match(await ask(gateway), /from backup/)
    assert.equal(stateOf(gateway, 'primary'), 'open')

    await interval()
    assert.equal(probesOf(), 1)
    const probe = primary.requests.find((r) => r.url.endsWith('/models'))
    assert.equal(probe?.method, 'GET')
    assert.equal(probe?.url, '/v1/models')
    assert.equal(probe?.headers['authorization'], 'Bearer sk-probe-key')
    assert.equal(stateOf(gateway, 'primary'), 'open', 'a failed probe changes nothing')

    models = json(200, { object: 'list', data: [] })
    await interval()
    assert.equal(probesOf(), 2)
    assert.equal(stateOf(gateway, 'primary'), 'half_open', 'the 2xx made it half-open, not the cooldown (an hour)')
    assert.equal(chatsOf(), 2, 'no client request reached it meanwhile')

    chat = json(200, completion('primary is back'))
    assert.match(await ask(gateway), /primary is back/)
    assert.equal(stateOf(gateway, 'primary'), 'closed')
    await interval()
    assert.equal(probesOf(), 2, 'nothing is probed once closed')
  } finally {
    await gateway.shutdown()
    await Promise.all([primary.close(), backup.close()])
  }
})
