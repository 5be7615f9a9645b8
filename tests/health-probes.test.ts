// Active probes (`health.probe_interval`) end to end on a ManualClock: while an upstream is open the gateway itself
// asks it for its model list, with its key, every interval; a 2xx moves it to half-open without any client traffic,
// and the next request is the probe that closes it. Nothing is probed while it is closed. Under `--workers 2` the
// primary probes for the group, and every worker takes the half-open state.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ManualClock } from '../src/time/manual-clock.js'
import { completion, json, openaiError, startFakeUpstream, type Behaviour } from './helpers/fake-upstream.js'
import { processDeadlineMs, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.js'
import { parseSamples, sumOf } from './helpers/prometheus-samples.js'
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

/** The upstream's state gauge per state, each the max over the workers (1 when any worker is in it). */
async function statesOf(gw: GatewayProcess, upstream: string): Promise<string> {
  const res = await fetch(`${gw.url}/metrics`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(processDeadlineMs) })
  const samples = parseSamples(await res.text())
  const states = ['closed', 'open', 'half_open'].filter(
    (state) => sumOf(samples, 'openai_api_route_upstream_state', { upstream, state }) === 1,
  )
  return states.join('+')
}

async function untilStates(gw: GatewayProcess, upstream: string, wanted: string, what: string): Promise<void> {
  const until = performance.now() + processDeadlineMs
  while ((await statesOf(gw, upstream)) !== wanted) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`)
  }
}

test('with --workers 2 the primary probes the open upstream, and every worker goes half-open without client traffic', async (t) => {
  let modelsUp = false
  const primary = await startFakeUpstream((req, res) =>
    req.url.endsWith('/models') && modelsUp ? json(200, { object: 'list', data: [] })(req, res) : openaiError(503, 'down')(req, res),
  )
  const backup = await startFakeUpstream(json(200, completion('from backup')))
  t.after(() => Promise.all([primary.close(), backup.close()]))
  const dir = mkdtempSync(join(tmpdir(), 'oar-health-probes-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      'address: "127.0.0.1:0"',
      'dbtype: none',
      'health: { failures_to_open: 1, cooldown: 3600, max_cooldown: 3600, probe_interval: 0.05 }',
      'upstreams:',
      `  - { name: primary, sk: sk-probe-key, noauth: true, endpoint: "${primary.endpoint}" }`,
      `  - { name: backup, noauth: true, endpoint: "${backup.endpoint}" }`,
      '',
    ].join('\n'),
  )
  const gw = await startGatewayProcess(t, ['--workers', '2'], dir)
  const chats = (): number => primary.requests.filter((r) => r.url.endsWith('/chat/completions')).length
  const until = performance.now() + processDeadlineMs
  while ((await statesOf(gw, 'primary')) !== 'open') {
    if (performance.now() > until) throw new Error('timed out waiting for the breaker to open in every worker')
    if (chats() === 0) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      })
      assert.equal(res.status, 200)
      await res.arrayBuffer()
    }
  }
  const probes = (): number => primary.requests.filter((r) => r.url.endsWith('/models')).length
  const before = probes()
  await waitFor(() => probes() >= before + 2, 'two more probes of the open upstream')
  assert.equal(await statesOf(gw, 'primary'), 'open', 'failed probes change nothing')
  modelsUp = true
  await untilStates(gw, 'primary', 'half_open', 'every worker to go half-open')
  assert.equal(chats(), 1, 'no client request reached it')
  const scrape = parseSamples(await (await fetch(`${gw.url}/metrics`, { headers: { connection: 'close' } })).text())
  const changes = sumOf(scrape, 'openai_api_route_upstream_state_changes_total', { upstream: 'primary', to: 'half_open' })
  assert.equal(changes, 1, 'the change is counted once, by the primary that made it')
  assert.equal(primary.requests.find((r) => r.url.endsWith('/models'))?.headers['authorization'], 'Bearer sk-probe-key')
  assert.equal(await gw.stop(), 0)
})
