// parseConfigText mapping: YAML keys and units into the frozen GatewayConfig the gateway runs on.
import assert from 'node:assert/strict'
import { hostname } from 'node:os'
import { test } from 'node:test'
import type { GatewayConfig, UpstreamConfig } from './gateway-config.js'
import { parseConfigText } from './load-config.js'

const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`
const load = (text: string, env: NodeJS.ProcessEnv = {}): GatewayConfig => parseConfigText(text, 'config.yaml', env).config
const firstUpstream = (config: GatewayConfig): UpstreamConfig => {
  const [upstream] = config.upstreams
  assert.ok(upstream)
  return upstream
}

test('defaults for every key', () => {
  const config = load(yaml('authorization: k', 'upstreams:', '  - sk: a'))
  assert.equal(config.source, 'config.yaml')
  assert.deepEqual(config.listen, { host: '', port: 8888 })
  assert.equal(config.hostname, hostname())
  assert.equal(config.lbPolicy, 'order')
  assert.equal(config.dbType, 'sqlite')
  assert.equal(config.dbAddr, './db.sqlite')
  assert.equal(config.maxBodyBytes, 32 * 1024 * 1024)
  assert.equal(config.maxAnonymousBodyBytes, 1024 * 1024)
  assert.equal(config.maxInflightBodyBytes, 256 * 1024 * 1024)
  assert.equal(config.bodyTimeoutMs, 30_000)
  assert.equal(config.headerTimeoutMs, 60_000)
  assert.equal(config.shutdownTimeoutMs, 30_000)
  assert.deepEqual(firstUpstream(config), {
    index: 0,
    name: 'api.openai.com/v1',
    type: 'openai',
    endpoint: 'https://api.openai.com/v1',
    credential: { kind: 'key', key: 'a' },
    basicAuth: undefined,
    firstByteTimeoutMs: 120_000,
    streamFirstByteTimeoutMs: 10_000,
    idleTimeoutMs: 120_000,
    totalTimeoutMs: 0,
    maxEventBytes: 16 * 1024 * 1024,
    maxHeldBodyBytes: 8 * 1024 * 1024,
    allow: [],
    deny: [],
    clientKeys: ['k'],
    noauth: false,
    keepHeader: false,
    allowedHosts: [],
    apiVersion: undefined,
    deployments: {},
    models: {},
    weight: 1,
    retries: 0,
    retryBackoffMs: 250,
    maxRetryWaitMs: 0,
    health: {
      enabled: true,
      failuresToOpen: 5,
      windowMs: 60_000,
      minRequests: 20,
      failureRate: 0.5,
      cooldownMs: 30_000,
      maxCooldownMs: 300_000,
      probeIntervalMs: 0,
    },
  })
})

test('default endpoints per type; trailing slashes dropped', () => {
  const config = load(
    yaml(
      'authorization: k',
      'upstreams:',
      '  - type: anthropic',
      '  - type: replicate',
      '  - type: azure',
      '    endpoint: https://res.openai.azure.com/openai//',
      '    api_version: 2024-10-21',
      '    deployments: {gpt-4o: prod-4o}',
    ),
  )
  assert.deepEqual(
    config.upstreams.map((u) => u.endpoint),
    ['https://api.anthropic.com/v1', 'https://api.replicate.com/v1', 'https://res.openai.azure.com/openai'],
  )
  assert.equal(config.upstreams[2]?.apiVersion, '2024-10-21')
  assert.deepEqual(config.upstreams[2]?.deployments, { 'gpt-4o': 'prod-4o' })
})

test('timeouts: seconds with fractions become milliseconds; upstream values override the globals', () => {
  const config = load(
    yaml(
      'authorization: k',
      'timeout: 60',
      'stream_timeout: 0.5',
      'idle_timeout: 2.25',
      'total_timeout: 300',
      'shutdown_timeout: 0.1',
      'upstreams:',
      '  - sk: a',
      '  - sk: b',
      '    timeout: 1.5',
      '    stream_timeout: 0.25',
      '    idle_timeout: 0',
      '    total_timeout: 0.001',
    ),
  )
  const times = (u: UpstreamConfig | undefined): number[] => [
    u?.firstByteTimeoutMs ?? -1,
    u?.streamFirstByteTimeoutMs ?? -1,
    u?.idleTimeoutMs ?? -1,
    u?.totalTimeoutMs ?? -1,
  ]
  assert.deepEqual(times(config.upstreams[0]), [60_000, 500, 2250, 300_000])
  assert.deepEqual(times(config.upstreams[1]), [1500, 250, 0, 1])
  assert.equal(config.shutdownTimeoutMs, 100)
})

test('authorization: comma-separated string or list, blanks ignored, per-upstream list replaces the global one', () => {
  const config = load(
    yaml(
      'authorization: " woshimima , iampassword ,, "',
      'upstreams:',
      '  - sk: a',
      '  - sk: b',
      '    authorization: [" guest ", vip, ""]',
      '  - sk: c',
      '    authorization: ""',
    ),
  )
  assert.deepEqual(
    config.upstreams.map((u) => u.clientKeys),
    [
      ['woshimima', 'iampassword'],
      ['guest', 'vip'],
      ['woshimima', 'iampassword'],
    ],
  )
  const listForm = load(yaml('authorization:', '  - k1', '  - " k2 "', 'upstreams:', '  - sk: a'))
  assert.deepEqual(firstUpstream(listForm).clientKeys, ['k1', 'k2'])
})

test('sk: asis forwards the client key; empty or missing sends none', () => {
  const config = load(
    yaml('authorization: k', 'upstreams:', '  - sk: asis', '  - sk:', '  - sk: ""', '  - endpoint: http://127.0.0.1:1234/v1'),
  )
  assert.deepEqual(
    config.upstreams.map((u) => u.credential),
    [{ kind: 'client' }, { kind: 'none' }, { kind: 'none' }, { kind: 'none' }],
  )
})

test('unquoted numbers where text is expected keep their text, as Go read them', () => {
  const config = load(yaml('authorization: 0123456', 'upstreams:', '  - sk: 1e3', '    name: 42', '    allow: [3.5]'))
  const upstream = firstUpstream(config)
  assert.deepEqual(upstream.clientKeys, ['0123456'])
  assert.deepEqual(upstream.credential, { kind: 'key', key: '1e3' })
  assert.equal(upstream.name, '42')
  assert.deepEqual(upstream.allow, ['3.5'])
})

test('empty values and null lists mean "not set"', () => {
  const config = load(
    yaml('address: ""', 'dbaddr:', 'authorization: k', 'upstreams:', '  - sk: a', '    allow:', '    deny: null', '    timeout:'),
  )
  assert.deepEqual(config.listen, { host: '', port: 8888 })
  assert.equal(config.dbAddr, './db.sqlite')
  assert.deepEqual(firstUpstream(config).allow, [])
  assert.deepEqual(firstUpstream(config).deny, [])
  assert.equal(firstUpstream(config).firstByteTimeoutMs, 120_000)
})

test('address forms', () => {
  const listen = (address: string): GatewayConfig['listen'] => load(yaml(`address: "${address}"`)).listen
  assert.deepEqual(listen(':8888'), { host: '', port: 8888 })
  assert.deepEqual(listen('127.0.0.1:9000'), { host: '127.0.0.1', port: 9000 })
  assert.deepEqual(listen('[::1]:8888'), { host: '::1', port: 8888 })
  assert.deepEqual(listen('localhost:0'), { host: 'localhost', port: 0 })
  assert.deepEqual(load(yaml('address: :7777')).listen, { host: '', port: 7777 })
})

test('the other top-level keys', () => {
  const config = load(
    yaml('hostname: gw-1', 'lb_policy: random', 'dbtype: postgres', 'dbaddr: "host=db port=5432"', 'max_body_size: 10MB', 'upstreams: []'),
  )
  assert.equal(config.hostname, 'gw-1')
  assert.equal(config.lbPolicy, 'random')
  assert.equal(config.dbType, 'postgres')
  assert.equal(config.dbAddr, 'host=db port=5432')
  assert.equal(config.maxBodyBytes, 10_000_000)
  assert.equal(load(yaml('max_body_size: 1048576')).maxBodyBytes, 1_048_576)
  assert.equal(load(yaml('max_body_size: 512KiB')).maxBodyBytes, 524_288)
})

test('the request edge bounds', () => {
  const config = load(
    yaml('max_anonymous_body_size: 64KiB', 'max_inflight_body_bytes: 1GiB', 'body_timeout: 2.5', 'header_timeout: 0', 'upstreams: []'),
  )
  assert.equal(config.maxAnonymousBodyBytes, 65_536)
  assert.equal(config.maxInflightBodyBytes, 1024 ** 3)
  assert.equal(config.bodyTimeoutMs, 2_500)
  assert.equal(config.headerTimeoutMs, 0)
  assert.throws(() => load(yaml('max_anonymous_body_size: 0', 'upstreams: []')), /max_anonymous_body_size/)
  assert.throws(() => load(yaml('body_timeout: -1', 'upstreams: []')), /body_timeout/)
})

test('upstream flags, lists and allowed hosts', () => {
  const config = load(
    yaml(
      'upstreams:',
      '  - noauth: true',
      '    keep_header: true',
      '    allow: [gpt-4o, /v1/audio/transcriptions]',
      '    deny: [gpt-4]',
      '  - type: replicate',
      '    noauth: true',
      '  - type: replicate',
      '    noauth: true',
      '    allowed_hosts: [Replicate.Example.com]',
    ),
  )
  const [plain, replicate, custom] = config.upstreams
  assert.equal(plain?.noauth, true)
  assert.equal(plain?.keepHeader, true)
  assert.deepEqual(plain?.allow, ['gpt-4o', '/v1/audio/transcriptions'])
  assert.deepEqual(plain?.deny, ['gpt-4'])
  assert.deepEqual(replicate?.allowedHosts, [
    'api.replicate.com',
    'stream.replicate.com',
    'streaming.api.replicate.com',
    'streaming-api.replicate.com',
  ])
  assert.deepEqual(custom?.allowedHosts, ['replicate.example.com'])
})

test('names: explicit, else host and path; a repeated derived name gets #index', () => {
  const config = load(
    yaml(
      'authorization: k',
      'upstreams:',
      '  - sk: a',
      '  - sk: b',
      '  - sk: c',
      '    name: primary',
      '  - endpoint: http://localhost:5000/',
      '  - endpoint: https://api.openai.com/v1/',
    ),
  )
  assert.deepEqual(
    config.upstreams.map((u) => u.name),
    ['api.openai.com/v1', 'api.openai.com/v1#1', 'primary', 'localhost:5000', 'api.openai.com/v1#4'],
  )
})

test('${VAR} is replaced in values; unquoted numbers stay numbers, quoted stay text', () => {
  const env = { KEY: 'sk-live', BASE: 'https://proxy.example', T: '0.5', ADDR: '127.0.0.1:9999', NAME: '007' }
  const config = load(
    yaml(
      'address: ${ADDR}',
      'authorization: "a,${KEY}"',
      'upstreams:',
      '  - sk: ${KEY}',
      '    endpoint: "${BASE}/v1"',
      '    stream_timeout: ${T}',
      '    name: "${NAME}"',
    ),
    env,
  )
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 9999 })
  const upstream = firstUpstream(config)
  assert.deepEqual(upstream.credential, { kind: 'key', key: 'sk-live' })
  assert.equal(upstream.endpoint, 'https://proxy.example/v1')
  assert.equal(upstream.streamFirstByteTimeoutMs, 500)
  assert.equal(upstream.name, '007')
  assert.deepEqual(upstream.clientKeys, ['a', 'sk-live'])
})

// ES modules are strict code, so writing to a frozen object throws instead of being ignored.
test('the config is frozen all the way down', () => {
  const loaded = parseConfigText(yaml('authorization: k', 'upstreams:', '  - sk: a', '    deployments: {a: b}'), 'config.yaml', {})
  const upstream = firstUpstream(loaded.config)
  assert.throws(() => {
    ;(loaded.config as { hostname: string }).hostname = 'x'
  }, TypeError)
  assert.throws(() => {
    ;(loaded.config.upstreams as UpstreamConfig[]).push(upstream)
  }, TypeError)
  assert.throws(() => {
    ;(upstream.clientKeys as string[])[0] = 'x'
  }, TypeError)
  assert.throws(() => {
    ;(upstream.deployments as Record<string, string>)['a'] = 'c'
  }, TypeError)
  assert.throws(() => {
    ;(loaded.config.listen as { port: number }).port = 1
  }, TypeError)
  assert.ok(Object.isFrozen(loaded.warnings))
})

test('warnings: an upstream nobody may use, azure without api_version; none for replicate', () => {
  const { warnings } = parseConfigText(
    yaml(
      'upstreams:',
      '  - sk: a',
      '  - type: replicate',
      '    noauth: true',
      '  - type: azure',
      '    noauth: true',
      '    endpoint: https://r.openai.azure.com/openai',
    ),
    'config.yaml',
    {},
  )
  assert.equal(warnings.length, 2)
  assert.match(warnings[0] ?? '', /^config\.yaml:2:5 upstreams\[0\]: no client key can use this upstream/)
  assert.match(warnings[1] ?? '', /^config\.yaml:5:5 upstreams\[2\]: type azure without api_version/)
})

test("credentials in an endpoint URL become Basic credentials and leave the endpoint; sk's Authorization wins, with a warning", () => {
  const text = yaml(
    'authorization: k',
    'upstreams:',
    '  - endpoint: https://proxy%20user:p%40ss%3Aword@Gw.Example.com:8443/v1/',
    '  - sk: up',
    '    endpoint: http://u:p@127.0.0.1:9/v1',
  )
  const { config, warnings } = parseConfigText(text, 'config.yaml', {})
  const [first, second] = config.upstreams
  assert.equal(first?.endpoint, 'https://gw.example.com:8443/v1')
  assert.equal(first?.name, 'gw.example.com:8443/v1')
  assert.deepEqual(first?.basicAuth, { username: 'proxy user', password: 'p@ss:word' })
  assert.equal(second?.endpoint, 'http://127.0.0.1:9/v1')
  assert.deepEqual(warnings, [
    "config.yaml:5:15 upstreams[1].endpoint: the user:password in the endpoint URL is not sent: sk's Authorization header takes the place of Basic credentials",
  ])
  assert.equal(JSON.stringify(warnings).includes('p@ss'), false)
})

test('max_event_size: 16 MiB unless set, in any size form', () => {
  assert.equal(firstUpstream(load(yaml('upstreams:', '  - sk: a'))).maxEventBytes, 16 * 1024 * 1024)
  assert.equal(firstUpstream(load(yaml('max_event_size: 1MB', 'upstreams:', '  - sk: a'))).maxEventBytes, 1_000_000)
  assert.throws(() => load(yaml('max_event_size: 0', 'upstreams:', '  - sk: a')))
})

test('max_held_body: 8 MiB unless set, in any size form', () => {
  assert.equal(firstUpstream(load(yaml('upstreams:', '  - sk: a'))).maxHeldBodyBytes, 8 * 1024 * 1024)
  assert.equal(firstUpstream(load(yaml('max_held_body: 512KiB', 'upstreams:', '  - sk: a'))).maxHeldBodyBytes, 512 * 1024)
  assert.throws(() => load(yaml('max_held_body: 0', 'upstreams:', '  - sk: a')))
  assert.throws(() => load(yaml('max_held_body: 8M', 'upstreams:', '  - sk: a')))
})

test('warnings: an allow or deny path entry that can never match a relayed request', () => {
  const { warnings } = parseConfigText(
    yaml(
      'authorization: k',
      'upstreams:',
      '  - sk: a',
      '    allow: [gpt-4o, /v1/audio/transcriptions]',
      '    deny: [/v1/files?purpose=batch, /files, /v1/../admin, /v1/Files/]',
    ),
    'config.yaml',
    {},
  )
  assert.equal(warnings.length, 3, warnings.join('\n'))
  assert.match(warnings[0] ?? '', /upstreams\[0\]\.deny\[0\]: \/v1\/files\?purpose=batch can never match: .*query/)
  assert.match(warnings[1] ?? '', /upstreams\[0\]\.deny\[1\]: \/files can never match: .*\/v1\//)
  assert.match(warnings[2] ?? '', /upstreams\[0\]\.deny\[2\]: .*dot segments/)
})

test('warnings: a models entry for a path or a denied model, and a weight no policy reads', () => {
  const { config, warnings } = parseConfigText(
    yaml(
      'authorization: k',
      'upstreams:',
      '  - sk: a',
      '    deny: [old]',
      '    models: { fast: gpt-4o-mini, old: gpt-3.5-turbo, /v1/audio/speech: tts-1 }',
      '    weight: 2',
    ),
    'config.yaml',
    {},
  )
  assert.deepEqual(config.upstreams[0]?.models, { fast: 'gpt-4o-mini', old: 'gpt-3.5-turbo', '/v1/audio/speech': 'tts-1' })
  assert.equal(config.upstreams[0]?.weight, 2)
  assert.equal(warnings.length, 3, warnings.join('\n'))
  assert.match(warnings[0] ?? '', /upstreams\[0\]\.models\.old: old is also in deny/)
  assert.match(warnings[1] ?? '', /upstreams\[0\]\.models\["\/v1\/audio\/speech"\]: .*never match/)
  assert.match(warnings[2] ?? '', /upstreams\[0\]\.weight: weight is read by lb_policy: weighted only/)
})

test('models and weight: defaults, and values that are refused', () => {
  const plain = parseConfigText(yaml('authorization: k', 'upstreams:', '  - sk: a'), 'config.yaml', {})
  assert.deepEqual(plain.config.upstreams[0]?.models, {})
  assert.equal(plain.config.upstreams[0]?.weight, 1)
  assert.deepEqual(plain.warnings, [])
  for (const bad of ['weight: -1', 'weight: heavy', 'models: { fast: "" }', 'models: [a, b]']) {
    assert.throws(() =>
      parseConfigText(yaml('authorization: k', 'lb_policy: weighted', 'upstreams:', '  - sk: a', `    ${bad}`), 'config.yaml', {}),
    )
  }
})

test('retries: global, per upstream, with the backoff and Retry-After bound in ms; model_fallbacks as written', () => {
  const config = load(
    yaml(
      'authorization: k',
      'retries: 2',
      'retry_backoff: 0.5',
      'max_retry_wait: 3',
      'model_fallbacks: { small: [medium, large], gpt-4o-mini: [gpt-4o] }',
      'upstreams:',
      '  - sk: a',
      '  - sk: b',
      '    endpoint: https://b.example/v1',
      '    retries: 0',
    ),
  )
  assert.deepEqual(
    config.upstreams.map((u) => [u.retries, u.retryBackoffMs, u.maxRetryWaitMs]),
    [
      [2, 500, 3000],
      [0, 500, 3000],
    ],
  )
  assert.deepEqual(config.modelFallbacks, { small: ['medium', 'large'], 'gpt-4o-mini': ['gpt-4o'] })
  assert.deepEqual(load(yaml('authorization: k', 'upstreams:', '  - sk: a')).modelFallbacks, {})
  for (const bad of ['retries: -1', 'retries: 1.5', 'retry_backoff: -1', 'model_fallbacks: { small: [small] }', 'model_fallbacks: [a]']) {
    assert.throws(() => parseConfigText(yaml('authorization: k', bad, 'upstreams:', '  - sk: a'), 'config.yaml', {}), bad)
  }
})

test('health: the top level sets every upstream, an upstream its own keys over it; seconds become milliseconds', () => {
  const config = load(
    yaml(
      'authorization: k',
      'health: { failures_to_open: 3, window: 30, cooldown: 10, max_cooldown: 120, failure_rate: 0.25 }',
      'upstreams:',
      '  - { name: a, sk: a }',
      '  - { name: b, sk: b, health: { enabled: false } }',
      '  - { name: c, sk: c, health: { cooldown: 600, min_requests: 5 } }',
    ),
  )
  const [a, b, c] = config.upstreams.map((upstream) => upstream.health)
  assert.deepEqual(a, {
    enabled: true,
    failuresToOpen: 3,
    windowMs: 30_000,
    minRequests: 20,
    failureRate: 0.25,
    cooldownMs: 10_000,
    maxCooldownMs: 120_000,
    probeIntervalMs: 0,
  })
  assert.deepEqual(b, { ...a, enabled: false })
  assert.deepEqual(c, { ...a, minRequests: 5, cooldownMs: 600_000, maxCooldownMs: 600_000 }, 'max_cooldown is at least the cooldown')
  assert.deepEqual(config.health, a)
})
