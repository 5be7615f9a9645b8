// The real process, as an operator runs it: `node dist/src/main.js` with flags, a config file or the environment,
// -list, check, --help, and `npm start`.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { maskKey } from '../src/auth/mask-key.js'
import { completion, json, startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream.js'
import { childEnv, collect, mainJs, repoRoot, runGateway as run, startGatewayProcess as serve } from './helpers/gateway-process.js'

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'oar-cli-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function fakeUpstream(t: TestContext, content: string): Promise<FakeUpstream> {
  const upstream = await startFakeUpstream(json(200, completion(content)))
  t.after(() => upstream.close())
  return upstream
}

async function chat(url: string, key?: string): Promise<{ status: number; content: string | undefined }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (key !== undefined) headers['authorization'] = `Bearer ${key}`
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body: '{"model":"gpt-4o-mini","messages":[]}' })
  const body = (await res.json()) as { choices?: Array<{ message: { content: string } }> }
  return { status: res.status, content: body.choices?.[0]?.message.content }
}

/** A path inside a RegExp, matched literally. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function configYaml(endpoint: string, extra = ''): string {
  return `address: "127.0.0.1:0"\ndbtype: none\nauthorization: cli-client-key\nupstreams:\n  - sk: sk-cli-upstream-key-123456\n    endpoint: ${endpoint}\n${extra}`
}

// ---- Choosing the config ----

for (const form of [['-config', 'FILE'], ['--config', 'FILE'], ['--config=FILE']]) {
  test(`${form.join(' ')} runs that file rather than ./config.yaml`, async (t) => {
    const chosen = await fakeUpstream(t, 'from the chosen file')
    const ignored = await fakeUpstream(t, 'from ./config.yaml')
    const dir = tempDir(t)
    const file = join(dir, 'chosen.yaml')
    writeFileSync(file, configYaml(chosen.endpoint))
    writeFileSync(join(dir, 'config.yaml'), configYaml(ignored.endpoint))
    const gw = await serve(
      t,
      form.map((part) => part.replace('FILE', file)),
      dir,
    )
    assert.match(gw.listeningLine, new RegExp(`config: ${literal(file)}`))
    assert.deepEqual(await chat(gw.url, 'cli-client-key'), { status: 200, content: 'from the chosen file' })
    assert.equal(ignored.requests.length, 0)
    assert.equal(await gw.stop(), 0)
  })
}

test('without flags, ./config.yaml in the working directory is used', async (t) => {
  const upstream = await fakeUpstream(t, 'from ./config.yaml')
  const dir = tempDir(t)
  writeFileSync(join(dir, 'config.yaml'), configYaml(upstream.endpoint))
  const gw = await serve(t, [], dir)
  assert.deepEqual(await chat(gw.url, 'cli-client-key'), { status: 200, content: 'from ./config.yaml' })
  assert.equal(await gw.stop(), 0)
})

test('without a config file it starts from the environment and prints where it listens', async (t) => {
  const upstream = await fakeUpstream(t, 'from the environment')
  const dir = tempDir(t)
  const gw = await serve(
    t,
    [],
    dir,
    childEnv({
      OPENAI_API_KEY: 'sk-env-upstream-key-7777',
      OPENAI_BASE_URL: upstream.endpoint,
      OPENAI_API_ROUTE_ADDRESS: '127.0.0.1:0',
      OPENAI_API_ROUTE_KEYS: 'env-key-one, env-key-two',
    }),
  )
  assert.match(gw.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.notEqual(gw.url, 'http://127.0.0.1:0')
  assert.match(gw.listeningLine, /config: environment/)
  assert.deepEqual(await chat(gw.url, 'env-key-two'), { status: 200, content: 'from the environment' })
  assert.equal(upstream.requests[0]?.headers['authorization'], 'Bearer sk-env-upstream-key-7777')
  assert.equal((await chat(gw.url)).status, 401)
  assert.equal((await chat(gw.url, 'env-key')).status, 401)
  assert.equal(await gw.stop(), 0)
  assert.equal(`${gw.stdout()}${gw.stderr()}`.includes('sk-env-upstream-key-7777'), false)
  assert.equal(`${gw.stdout()}${gw.stderr()}`.includes('env-key-one'), false)
})

test('from the environment without OPENAI_API_ROUTE_KEYS no client key is needed, and it says so', async (t) => {
  const upstream = await fakeUpstream(t, 'open to all')
  const dir = tempDir(t)
  const gw = await serve(t, [], dir, childEnv({ OPENAI_BASE_URL: upstream.endpoint, OPENAI_API_ROUTE_ADDRESS: '127.0.0.1:0' }))
  assert.deepEqual(await chat(gw.url), { status: 200, content: 'open to all' })
  assert.deepEqual(await chat(gw.url, 'anything'), { status: 200, content: 'open to all' })
  assert.equal(upstream.requests[0]?.headers['authorization'], undefined, 'OPENAI_API_KEY unset: no key upstream')
  assert.match(gw.stderr(), /OPENAI_API_ROUTE_KEYS is not set/)
  assert.equal(await gw.stop(), 0)
})

// ---- -list, check, --help ----

test('-list prints each upstream with name, endpoint, type, allow and deny, keys masked, and exits', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'list.yaml')
  const upstreamKey = 'sk-proj-listing-secret-abcdefgh9876'
  writeFileSync(
    file,
    [
      'authorization: list-client-key-0000',
      'dbtype: none',
      'upstreams:',
      `  - sk: ${upstreamKey}`,
      '    endpoint: https://api.example.test/v1',
      '    allow: [gpt-4o, /v1/audio/transcriptions]',
      '    deny: [gpt-4]',
      '  - sk: asis',
      '    type: anthropic',
      '    endpoint: http://127.0.0.1:5000/v1',
      '    noauth: true',
    ].join('\n'),
  )
  for (const args of [
    ['-list', '-config', file],
    ['--config', file, '--list'],
  ]) {
    const result = await run(args, dir)
    assert.equal(result.code, 0, result.stderr)
    const lines = result.stdout.trimEnd().split('\n')
    assert.equal(lines.length, 2, result.stdout)
    assert.match(lines[0] ?? '', /name=api\.example\.test\/v1/)
    assert.match(lines[0] ?? '', /https:\/\/api\.example\.test\/v1/)
    assert.match(lines[0] ?? '', /openai/)
    assert.match(lines[0] ?? '', /gpt-4o,\/v1\/audio\/transcriptions/)
    assert.match(lines[0] ?? '', /deny=gpt-4\b/)
    assert.match(lines[0] ?? '', new RegExp(`sk=${maskKey(upstreamKey)}`))
    assert.match(lines[0] ?? '', new RegExp(`client_keys=${maskKey('list-client-key-0000')}`), 'client keys are masked the same way')
    assert.match(lines[1] ?? '', /anthropic/)
    assert.match(lines[1] ?? '', /http:\/\/127\.0\.0\.1:5000\/v1/)
    const everything = result.stdout + result.stderr
    assert.equal(everything.includes(upstreamKey), false, 'the upstream key is never printed whole')
    assert.equal(everything.includes('list-client-key-0000'), false)
  }
})

test('check exits 0 on a valid file', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'good.yaml')
  writeFileSync(file, configYaml('http://127.0.0.1:9/v1'))
  const result = await run(['check', '-config', file], dir)
  assert.equal(result.code, 0, result.stderr)
  assert.match(result.stdout, new RegExp(`${literal(file)}: ok \\(1 upstreams\\)`))
})

test('check exits non-zero on an invalid file, one FILE:LINE:COL path: problem line per problem', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'bad.yaml')
  writeFileSync(
    file,
    [
      'address: "127.0.0.1:0"',
      'timeout: soon',
      'upstreams:',
      '  - endpiont: http://127.0.0.1:9/v1',
      '    sk: x',
      '  - endpoint: ftp://nope',
    ].join('\n'),
  )
  const result = await run(['check', '--config', file], dir)
  assert.notEqual(result.code, 0)
  const lines = result.stderr.trimEnd().split('\n')
  assert.ok(lines.length >= 3, result.stderr)
  for (const line of lines) assert.match(line, new RegExp(`^${literal(file)}:\\d+:\\d+ \\S+: .+`), line)
  assert.ok(
    lines.some((line) => line.includes(':2:') && line.includes('timeout')),
    result.stderr,
  )
  assert.ok(
    lines.some((line) => line.includes(':4:') && line.includes('endpiont')),
    result.stderr,
  )
  assert.ok(
    lines.some((line) => line.includes(':6:') && line.includes('upstreams[1].endpoint')),
    result.stderr,
  )
  assert.equal(result.stdout, '')
})

test('check without -config checks ./config.yaml', async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'config.yaml'), 'upstreams: []\nnot_a_key: 1\n')
  const result = await run(['check'], dir)
  assert.notEqual(result.code, 0)
  assert.match(result.stderr, /config\.yaml:2:1 not_a_key: /)
})

test('the gateway refuses to start on an invalid file, with the same problem lines', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'bad.yaml')
  writeFileSync(file, 'address: "127.0.0.1:0"\nlb_policy: fastest\n')
  const result = await run(['-config', file], dir)
  assert.notEqual(result.code, 0)
  assert.match(result.stderr, new RegExp(`bad\\.yaml:2:\\d+ lb_policy: `))
  assert.doesNotMatch(result.stdout, /listening on/)
})

test('--help prints the usage and exits 0', async (t) => {
  const dir = tempDir(t)
  for (const flag of ['--help', '-h']) {
    const result = await run([flag], dir)
    assert.equal(result.code, 0)
    assert.match(result.stdout, /Usage:/)
    assert.match(result.stdout, /-config FILE/)
  }
})

test('--version and -version print the package version and exit 0', async (t) => {
  const dir = tempDir(t)
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }
  for (const flag of ['--version', '-version']) {
    const result = await run([flag], dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, `openai-api-route ${version}\n`)
  }
})

test('an unknown LOG_LEVEL or log_level is an error: the gateway does not start', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'config.yaml')
  writeFileSync(file, configYaml('http://127.0.0.1:9/v1'))
  const fromEnv = await run(['-config', file, '--workers', '1'], dir, childEnv({ LOG_LEVEL: 'verbose' }))
  assert.equal(fromEnv.code, 1)
  assert.match(fromEnv.stderr, /LOG_LEVEL: "verbose" is not a log level; expected one of debug, info, warn, error, silent/)
  assert.doesNotMatch(fromEnv.stdout, /listening on/)
  const checked = await run(['check', '-config', file], dir, childEnv({ LOG_LEVEL: 'verbose' }))
  assert.equal(checked.code, 1, 'check refuses it too')

  writeFileSync(file, configYaml('http://127.0.0.1:9/v1', 'log_level: verbose\n'))
  const fromFile = await run(['-config', file, '--workers', '1'], dir)
  assert.equal(fromFile.code, 1)
  assert.match(fromFile.stderr, /log_level: expected one of "debug", "info", "warn", "error", "silent", got "verbose"/)
  assert.doesNotMatch(fromFile.stdout, /listening on/)
})

test('an unknown flag exits 2 naming it', async (t) => {
  const dir = tempDir(t)
  const result = await run(['--frobnicate'], dir)
  assert.equal(result.code, 2)
  assert.match(result.stderr, /unknown flag: --frobnicate/)
  assert.match(result.stderr, /Usage:/)
})

test('npm start runs the gateway entry point', async () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>
    bin: Record<string, string>
  }
  assert.equal(pkg.bin['openai-api-route'], 'dist/src/main.js')
  assert.match(readFileSync(mainJs, 'utf8'), /^#!\/usr\/bin\/env node\n/)
  const result = await collect(
    spawn('npm', ['start', '--silent', '--', '--help'], { cwd: repoRoot, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] }),
    'npm start',
  )
  assert.equal(result.code, 0, result.stderr)
  assert.match(result.stdout, /^openai-api-route: one OpenAI-compatible endpoint/)
})
