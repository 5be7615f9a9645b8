// formatUpstreamList: -list shows what an operator checks, with keys masked.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfigText } from '../config/load-config.js'
import { maskKey } from '../auth/mask-key.js'
import { formatUpstreamList } from './list-upstreams.js'

const upstreamKey = 'sk-proj-verysecretupstreamkey9876'
const clientKey = 'client-key-should-not-show'

const { config } = parseConfigText(
  `
authorization: ${clientKey}
upstreams:
  - sk: ${upstreamKey}
    endpoint: https://api.openai.com/v1
    allow: [gpt-4o, /v1/audio/transcriptions]
    deny: [gpt-4]
  - sk: asis
    name: local
    endpoint: http://127.0.0.1:5000/v1
    noauth: true
  - endpoint: http://127.0.0.1:6000/v1
    type: anthropic
    models: { fast: claude-haiku-4-5, smart: claude-sonnet-4-5 }
    weight: 0.5
  - endpoint: http://proxy-user:proxy-PASS-4411@127.0.0.1:7000/v1
`,
  'test.yaml',
  {},
)

const lines = formatUpstreamList(config).trimEnd().split('\n')

test('one line per upstream with its name, endpoint, type, allow and deny', () => {
  assert.equal(lines.length, 4)
  assert.match(lines[0] ?? '', /\tname=api\.openai\.com\/v1\t/)
  assert.match(lines[1] ?? '', /\tname=local\t/)
  assert.match(lines[0] ?? '', /endpoint=https:\/\/api\.openai\.com\/v1/)
  assert.match(lines[0] ?? '', /type=openai/)
  assert.match(lines[0] ?? '', /allow=gpt-4o,\/v1\/audio\/transcriptions/)
  assert.match(lines[0] ?? '', /deny=gpt-4(\s|$)/)
  assert.match(lines[1] ?? '', /endpoint=http:\/\/127\.0\.0\.1:5000\/v1/)
  assert.match(lines[1] ?? '', /allow=-/)
  assert.match(lines[1] ?? '', /noauth/)
  assert.match(lines[2] ?? '', /type=anthropic/)
})

test('the upstream key and the client keys are masked the same way, asis and no key are named', () => {
  assert.match(lines[0] ?? '', new RegExp(`\tsk=${maskKey(upstreamKey)}\t`))
  assert.match(lines[0] ?? '', new RegExp(`\tclient_keys=${maskKey(clientKey)}$`))
  assert.match(lines[1] ?? '', /sk=asis/)
  assert.match(lines[2] ?? '', /sk=\(none\)/)
})

test('no key is ever printed whole', () => {
  const text = formatUpstreamList(config)
  assert.equal(text.includes(upstreamKey), false)
  assert.equal(text.includes(clientKey), false)
  assert.equal(text.includes(upstreamKey.slice(0, 12)), false)
})

test("an endpoint's credentials are never printed: only that it has some", () => {
  const text = formatUpstreamList(config)
  assert.equal(text.includes('proxy-PASS-4411'), false)
  assert.equal(text.includes('proxy-user'), false)
  assert.match(lines[3] ?? '', /endpoint=http:\/\/127\.0\.0\.1:7000\/v1\t/)
  assert.match(lines[3] ?? '', /basic_auth=set/)
})

test('models and a weight other than 1 are shown when set', () => {
  assert.match(lines[2] ?? '', /\tmodels=fast:claude-haiku-4-5,smart:claude-sonnet-4-5\tweight=0\.5\t/)
  assert.ok(!(lines[0] ?? '').includes('models=') && !(lines[0] ?? '').includes('weight='))
})

test('named keys follow the upstreams, by name, models, upstreams and the limits set; never the key or its digest', () => {
  const named = parseConfigText(
    `
upstreams: [{ name: main, sk: a }]
keys:
  - { name: alice, key: alice-secret-key, models: ["gpt-4o*", fast], upstreams: [main], rpm: 60, budget_usd: 5 }
  - { name: bob, key: bob-secret-key }
`,
    'test.yaml',
    {},
  ).config
  const keyLines = formatUpstreamList(named).trimEnd().split('\n').slice(1)
  assert.deepEqual(keyLines, [
    'key\tname=alice\tmodels=gpt-4o*,fast\tupstreams=main\trpm=60\tbudget_usd=5\tbudget_period=month',
    'key\tname=bob\tmodels=*\tupstreams=*',
  ])
  assert.doesNotMatch(keyLines.join('\n'), /secret|[0-9a-f]{12}/)
})
