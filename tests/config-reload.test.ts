// Reloading the config in a running gateway: a good file is swapped in for new requests (x-config-version, /readyz,
// the reload metric), a bad one changes nothing and opens the config alert until the next good one, a stream open
// across a reload finishes on its upstream, a removed key is refused, and many reloads leave no pool open.
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { test } from 'node:test'
import { completion, json, scriptedStream, streamOf, type FakeUpstream } from './helpers/fake-upstream.js'
import { chatRequest, deferred, fakeUpstreamFor, streamRequest } from './helpers/scripted-gateway.js'
import { startReloadableGateway, upstreamsYaml, type ReloadableGateway } from './helpers/reloadable-gateway.js'
import { waitFor } from './helpers/wait-for.js'

const key = 'sk-client-reload-0001'

function post(gw: ReloadableGateway, body: unknown, clientKey = key): Promise<Response> {
  return fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${clientKey}` },
    body: JSON.stringify(body),
  })
}

async function contentOf(res: Response): Promise<string> {
  const body = (await res.json()) as { choices: Array<{ message: { content: string } }> }
  return body.choices[0]?.message.content ?? ''
}

function reloadCount(gw: ReloadableGateway, result: 'ok' | 'error'): number {
  const family = gw.gateway.observability.metrics.registry.snapshot().find((f) => f.name === 'openai_api_route_config_reloads_total')
  const sample = family?.samples.find((s) => s.labels[0] === result)
  return sample === undefined || !('value' in sample) ? 0 : sample.value
}

async function twoUpstreams(t: Parameters<typeof fakeUpstreamFor>[0]): Promise<[FakeUpstream, FakeUpstream]> {
  return [await fakeUpstreamFor(t, json(200, completion('from a'))), await fakeUpstreamFor(t, json(200, completion('from b')))]
}

test('a good file is applied to new requests, with a new x-config-version and the reload counted', async (t) => {
  const [a, b] = await twoUpstreams(t)
  const gw = await startReloadableGateway(t, upstreamsYaml(key, [{ name: 'a', endpoint: a.endpoint }]))
  const before = await post(gw, chatRequest)
  const v1 = before.headers.get('x-config-version')
  assert.match(v1 ?? '', /^[0-9a-f]{12}$/)
  assert.equal(await contentOf(before), 'from a')

  gw.write(upstreamsYaml(key, [{ name: 'b', endpoint: b.endpoint }]))
  const result = gw.gateway.reloadConfig('SIGHUP')
  assert.equal(result.result, 'ok')
  const after = await post(gw, chatRequest)
  assert.equal(await contentOf(after), 'from b')
  const v2 = after.headers.get('x-config-version')
  assert.notEqual(v2, v1)
  assert.equal(result.version, v2)
  assert.equal(reloadCount(gw, 'ok'), 1)
  const ready = (await (await fetch(`${gw.gateway.url}/readyz`)).json()) as { status: string; config_version: string }
  assert.deepEqual(ready, { status: 'ready', config_version: v2 })
  // The same file again is the same version.
  const again = gw.gateway.reloadConfig('SIGHUP')
  assert.equal(again.version, v2)
})

test('a bad file changes nothing: every problem with its position, counted, alerted until the next good reload', async (t) => {
  const [a, b] = await twoUpstreams(t)
  const gw = await startReloadableGateway(t, upstreamsYaml(key, [{ name: 'a', endpoint: a.endpoint }]))
  const v1 = gw.gateway.configVersion()
  gw.write(`${upstreamsYaml(key, [{ name: 'b', endpoint: b.endpoint }])}timeout: soon\nlb_policy: fastest\n`)
  const result = gw.gateway.reloadConfig('SIGHUP')
  assert.equal(result.result, 'error')
  assert.ok(result.result === 'error')
  assert.equal(result.problems.length, 2)
  assert.match(result.problems[0] ?? '', /config\.yaml:\d+:\d+ timeout: /)
  assert.match(result.problems[1] ?? '', /config\.yaml:\d+:\d+ lb_policy: /)
  assert.equal(gw.gateway.configVersion(), v1)
  const res = await post(gw, chatRequest)
  assert.equal(await contentOf(res), 'from a')
  assert.equal(res.headers.get('x-config-version'), v1)
  assert.equal(reloadCount(gw, 'error'), 1)
  assert.ok(gw.logs.some((line) => line.includes('config reload refused') && /config\.yaml:\d+:\d+ timeout/.test(line)))
  assert.equal(gw.gateway.observability.alerts.openByKind().get('config'), 1)

  gw.write(upstreamsYaml(key, [{ name: 'b', endpoint: b.endpoint }]))
  assert.equal(gw.gateway.reloadConfig('SIGHUP').result, 'ok')
  assert.equal(gw.gateway.observability.alerts.openByKind().get('config') ?? 0, 0)
  assert.equal(await contentOf(await post(gw, chatRequest)), 'from b')
})

test('settings only a restart changes are named, kept, and the rest applied', async (t) => {
  const [a] = await twoUpstreams(t)
  const gw = await startReloadableGateway(t, upstreamsYaml(key, [{ name: 'a', endpoint: a.endpoint }]))
  gw.write(
    `${upstreamsYaml('sk-other-client-key', [{ name: 'a', endpoint: a.endpoint }])}dbtype: none\nredis:\n  url: redis://127.0.0.1:1\n`,
  )
  const result = gw.gateway.reloadConfig('SIGHUP')
  assert.ok(result.result === 'ok')
  assert.deepEqual(result.restartOnly, ['dbtype', 'redis.url'])
  assert.equal(gw.gateway.currentConfig().redis, undefined)
  assert.ok(gw.logs.some((line) => line.includes('changes only at a restart') && line.includes('"key":"redis.url"')))
  assert.equal((await post(gw, chatRequest)).status, 401)
  assert.equal((await post(gw, chatRequest, 'sk-other-client-key')).status, 200)
})

test('a stream open across a reload finishes on its upstream while a new request goes to the new one', async (t) => {
  const reached = deferred()
  const release = deferred()
  const events = streamOf(['old', ' stream'])
  const a = await fakeUpstreamFor(
    t,
    scriptedStream([
      { data: events[0] },
      { data: events[1] },
      { reached: reached.resolve },
      { waitFor: release.promise },
      { data: events[2] },
      { data: events[3] },
      { raw: 'data: [DONE]\n\n' },
      'end',
    ]),
  )
  const b = await fakeUpstreamFor(t, json(200, completion('from b')))
  const gw = await startReloadableGateway(t, upstreamsYaml(key, [{ name: 'a', endpoint: a.endpoint }]))
  const streaming = await post(gw, streamRequest)
  assert.equal(streaming.status, 200)
  const v1 = streaming.headers.get('x-config-version')
  await reached.promise

  gw.write(upstreamsYaml(key, [{ name: 'b', endpoint: b.endpoint }]))
  assert.equal(gw.gateway.reloadConfig('SIGHUP').result, 'ok')
  const fresh = await post(gw, chatRequest)
  assert.equal(await contentOf(fresh), 'from b')
  assert.notEqual(fresh.headers.get('x-config-version'), v1)
  // The old upstream's pool stays open while its stream runs.
  assert.equal(gw.gateway.openPools(), 2)

  release.resolve()
  const text = await streaming.text()
  assert.match(text, /"content":"old"/)
  assert.match(text, /"content":" stream"/)
  assert.ok(text.trimEnd().endsWith('data: [DONE]'))
  assert.equal(a.requests.length, 1)
  assert.equal(b.requests.length, 1)
  // Then it closes with the old config's last request.
  await waitFor(() => gw.gateway.openPools() === 1, 'the old pool to close')
})

test('a key removed by a reload is refused on its next request; a key added is accepted', async (t) => {
  const [a] = await twoUpstreams(t)
  const gw = await startReloadableGateway(t, upstreamsYaml(key, [{ name: 'a', endpoint: a.endpoint }]))
  assert.equal((await post(gw, chatRequest)).status, 200)
  gw.write(upstreamsYaml('sk-client-reload-0002', [{ name: 'a', endpoint: a.endpoint }]))
  assert.equal(gw.gateway.reloadConfig('SIGHUP').result, 'ok')
  const refused = await post(gw, chatRequest)
  assert.equal(refused.status, 401)
  assert.equal((await post(gw, chatRequest, 'sk-client-reload-0002')).status, 200)
})

test('a breaker survives a reload that keeps its upstream name, and a limit counter one that keeps its key name', async (t) => {
  const a = await fakeUpstreamFor(t, json(200, completion('from a')))
  const keyed = (rpm: number, order: string): string =>
    `keys:\n  - name: alice\n    key: ${key}\n    rpm: ${rpm}\nupstreams:\n  - name: a\n    sk: sk-a\n    endpoint: ${a.endpoint}\n${order}`
  const gw = await startReloadableGateway(t, keyed(2, ''))
  assert.equal((await post(gw, chatRequest)).status, 200)
  assert.equal((await post(gw, chatRequest)).status, 200)
  gw.write(keyed(2, 'lb_policy: random\n'))
  assert.equal(gw.gateway.reloadConfig('SIGHUP').result, 'ok')
  // The two requests made before the reload still count against rpm 2.
  assert.equal((await post(gw, chatRequest)).status, 429)
  gw.write(keyed(3, 'lb_policy: random\n'))
  assert.equal(gw.gateway.reloadConfig('SIGHUP').result, 'ok')
  assert.equal((await post(gw, chatRequest)).status, 200)
})

test('a reload under load fails no request', async (t) => {
  const [a, b] = await twoUpstreams(t)
  const gw = await startReloadableGateway(t, upstreamsYaml(key, [{ name: 'a', endpoint: a.endpoint }]))
  const files = [
    upstreamsYaml(key, [
      { name: 'a', endpoint: a.endpoint },
      { name: 'b', endpoint: b.endpoint },
    ]),
    upstreamsYaml(key, [{ name: 'b', endpoint: b.endpoint }]),
    upstreamsYaml(key, [{ name: 'a', endpoint: a.endpoint }]),
  ]
  let reloads = 0
  let done = false
  const reloading = (async () => {
    while (!done) {
      gw.write(files[reloads % files.length] as string)
      assert.equal(gw.gateway.reloadConfig('SIGHUP').result, 'ok')
      reloads++
      await new Promise((resolve) => setImmediate(resolve))
    }
  })()
  const statuses: number[] = []
  const worker = async (): Promise<void> => {
    for (let i = 0; i < 40; i++) {
      const res = await post(gw, i % 2 === 0 ? chatRequest : streamRequest)
      await res.arrayBuffer()
      statuses.push(res.status)
    }
  }
  await Promise.all(Array.from({ length: 10 }, worker))
  done = true
  await reloading
  assert.equal(statuses.length, 400)
  assert.deepEqual(
    statuses.filter((s) => s !== 200),
    [],
  )
  assert.ok(reloads > 1, `only ${reloads} reloads happened`)
})

test('100 reloads leave no upstream pool or file descriptor open beyond those in use', async (t) => {
  const [a, b] = await twoUpstreams(t)
  const gw = await startReloadableGateway(t, upstreamsYaml(key, [{ name: 'a', endpoint: a.endpoint }]))
  const fds = (): number => readdirSync('/proc/self/fd').length
  assert.equal((await post(gw, chatRequest)).status, 200)
  const fdsBefore = fds()
  for (let i = 0; i < 100; i++) {
    const upstream = i % 2 === 0 ? { name: 'b', endpoint: b.endpoint } : { name: 'a', endpoint: a.endpoint }
    gw.write(upstreamsYaml(key, [upstream]))
    assert.equal(gw.gateway.reloadConfig('SIGHUP').result, 'ok')
    assert.equal((await post(gw, chatRequest)).status, 200)
  }
  // Each reload moved to the other upstream: only the pool of the one in use is open.
  assert.equal(gw.gateway.openPools(), 1)
  // The connections of closed pools are closed at once; a few descriptors may come and go around them (no more than
  // one pool's connection and the client's).
  const fdsAfter = fds()
  assert.ok(fdsAfter <= fdsBefore + 2, `${fdsAfter} descriptors after 100 reloads, ${fdsBefore} before`)
})

test('log_level is applied by a reload', async (t) => {
  const [a] = await twoUpstreams(t)
  const gw = await startReloadableGateway(t, upstreamsYaml(key, [{ name: 'a', endpoint: a.endpoint }]))
  const requestLines = (): number => gw.logs.filter((line) => line.includes('"msg":"request"')).length
  assert.equal((await post(gw, chatRequest)).status, 200)
  await gw.gateway.outcomesSettled()
  assert.equal(requestLines(), 1)
  gw.write(upstreamsYaml(key, [{ name: 'a', endpoint: a.endpoint }], 'log_level: warn\n'))
  assert.equal(gw.gateway.reloadConfig('SIGHUP').result, 'ok')
  assert.equal((await post(gw, chatRequest)).status, 200)
  await gw.gateway.outcomesSettled()
  assert.equal(requestLines(), 1)
})
