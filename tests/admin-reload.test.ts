// POST /admin/reload: behind admin keys apart from client keys (a key or its key_sha256), 404 without any, 400 with
// every problem of a bad file as JSON, and every admin request logged by the key's fingerprint, never the key.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { completion, json } from './helpers/fake-upstream.js'
import { chatRequest, fakeUpstreamFor } from './helpers/scripted-gateway.js'
import { startReloadableGateway, upstreamsYaml, type ReloadableGateway } from './helpers/reloadable-gateway.js'

const clientKey = 'sk-client-admin-0001'
const adminKey = 'sk-admin-0123456789'
const hashedAdminKey = 'sk-admin-hashed-9876'
const hashedDigest = createHash('sha256').update(hashedAdminKey).digest('hex')
const admin = `admin:\n  keys:\n    - ${adminKey}\n    - key_sha256: ${hashedDigest.toUpperCase()}\n`

function reload(gw: ReloadableGateway, key: string | undefined, method = 'POST'): Promise<Response> {
  return fetch(`${gw.gateway.url}/admin/reload`, { method, headers: key === undefined ? {} : { authorization: `Bearer ${key}` } })
}

test('without admin.keys the admin endpoints answer 404', async (t) => {
  const a = await fakeUpstreamFor(t, json(200, completion('a')))
  const gw = await startReloadableGateway(t, upstreamsYaml(clientKey, [{ name: 'a', endpoint: a.endpoint }]))
  assert.equal((await reload(gw, clientKey)).status, 404)
  assert.equal((await reload(gw, undefined)).status, 404)
})

test('an admin key reloads; a client key or none is refused; both key forms work; each request is logged', async (t) => {
  const a = await fakeUpstreamFor(t, json(200, completion('from a')))
  const b = await fakeUpstreamFor(t, json(200, completion('from b')))
  const gw = await startReloadableGateway(t, upstreamsYaml(clientKey, [{ name: 'a', endpoint: a.endpoint }], admin))
  const v1 = gw.gateway.configVersion()
  assert.equal((await reload(gw, clientKey)).status, 401)
  assert.equal((await reload(gw, undefined)).status, 401)
  assert.equal((await reload(gw, adminKey, 'GET')).status, 405)
  assert.equal(gw.gateway.configVersion(), v1)

  gw.write(upstreamsYaml(clientKey, [{ name: 'b', endpoint: b.endpoint }], admin))
  const ok = await reload(gw, adminKey)
  assert.equal(ok.status, 200)
  const body = (await ok.json()) as { result: string; version: string; previous_version: string }
  assert.equal(body.result, 'ok')
  assert.equal(body.previous_version, v1)
  assert.equal(body.version, gw.gateway.configVersion())
  assert.notEqual(body.version, v1)
  const chat = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${clientKey}` },
    body: JSON.stringify(chatRequest),
  })
  assert.match(await chat.text(), /from b/)
  assert.equal((await reload(gw, hashedAdminKey)).status, 200)

  const lines = gw.logs.filter((line) => line.includes('"msg":"admin request"')).map((line) => JSON.parse(line) as Record<string, unknown>)
  const adminPrint = `key-${createHash('sha256').update(adminKey).digest('hex').slice(0, 12)}`
  assert.deepEqual(
    lines.map((line) => [line['what'], line['result'], line['who']]),
    [
      ['POST /admin/reload', 'refused', `key-${createHash('sha256').update(clientKey).digest('hex').slice(0, 12)}`],
      ['POST /admin/reload', 'refused', 'none'],
      ['GET /admin/reload', 'method_not_allowed', adminPrint],
      ['POST /admin/reload', 'ok', adminPrint],
      ['POST /admin/reload', 'ok', `key-${hashedDigest.slice(0, 12)}`],
    ],
  )
  for (const line of gw.logs) {
    assert.ok(!line.includes(adminKey) && !line.includes(hashedAdminKey) && !line.includes(hashedDigest), line)
  }
})

test('a bad file: 400 with every problem as JSON, and the gateway goes on with its config', async (t) => {
  const a = await fakeUpstreamFor(t, json(200, completion('from a')))
  const gw = await startReloadableGateway(t, upstreamsYaml(clientKey, [{ name: 'a', endpoint: a.endpoint }], admin))
  const v1 = gw.gateway.configVersion()
  gw.write(`${upstreamsYaml(clientKey, [{ name: 'a', endpoint: a.endpoint }], admin)}retries: -1\nwatch_config: sometimes\n`)
  const res = await reload(gw, adminKey)
  assert.equal(res.status, 400)
  const body = (await res.json()) as { result: string; version: string; problems: string[] }
  assert.equal(body.result, 'error')
  assert.equal(body.version, v1)
  assert.equal(body.problems.length, 2)
  assert.match(body.problems[0] ?? '', /config\.yaml:\d+:\d+ retries: /)
  assert.match(body.problems[1] ?? '', /config\.yaml:\d+:\d+ watch_config: /)
  assert.equal(gw.gateway.configVersion(), v1)
  // The admin keys of the running config still hold.
  assert.equal((await reload(gw, adminKey)).status, 400)
})
