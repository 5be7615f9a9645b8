// What the running gateway writes: with --workers 2, every line on stdout and stderr is one JSON object,
// each config warning is written once for the whole process group, and the one start banner names the
// records store and where it is.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { completion, json, startFakeUpstream } from './helpers/fake-upstream.js'
import { childEnv, processDeadlineMs, repoRoot, startGatewayProcess, within } from './helpers/gateway-process.js'

const clientKey = 'client-key-process-output'

type Line = Record<string, unknown>

function jsonLines(text: string, stream: string): Line[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      let parsed: unknown
      assert.doesNotThrow(() => (parsed = JSON.parse(line)), `${stream} line is not JSON: ${line}`)
      assert.equal(typeof parsed, 'object', `${stream} line is not a JSON object: ${line}`)
      const object = parsed as Line
      assert.equal(typeof object['time'], 'string', line)
      assert.equal(typeof object['level'], 'string', line)
      assert.equal(typeof object['msg'], 'string', line)
      return object
    })
}

test(
  'with --workers 2 every output line is JSON, each warning is written once, and the banner names the records store',
  { timeout: processDeadlineMs * 3 },
  async (t) => {
    const upstream = await startFakeUpstream(json(200, completion('ok')))
    t.after(() => upstream.close())
    const dir = mkdtempSync(join(tmpdir(), 'oar-output-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const database = join(dir, 'records.sqlite')
    // Two config warnings: an upstream no client key can use, and an Azure upstream without api_version.
    writeFileSync(
      join(dir, 'config.yaml'),
      [
        'address: "127.0.0.1:0"',
        'dbtype: sqlite',
        `dbaddr: ${database}`,
        'upstreams:',
        '  - name: usable',
        '    sk: sk-output-upstream-key',
        `    endpoint: ${upstream.endpoint}`,
        `    authorization: ${clientKey}`,
        '  - name: unusable',
        `    endpoint: ${upstream.endpoint}`,
        '  - name: azure-no-version',
        '    type: azure',
        '    sk: sk-output-azure-key',
        `    endpoint: ${upstream.endpoint}`,
        `    authorization: ${clientKey}`,
        '',
      ].join('\n'),
    )
    const gw = await startGatewayProcess(t, ['--workers', '2'], dir, childEnv())
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    })
    assert.equal(response.status, 200)
    await response.text()
    await within(gw.stderrLine(/"msg":"request"/), processDeadlineMs, 'the request line')
    assert.equal(await within(gw.stop(), processDeadlineMs, 'the exit'), 0)

    const stdout = jsonLines(gw.stdout(), 'stdout')
    const stderr = jsonLines(gw.stderr(), 'stderr')

    const banners = [...stdout, ...stderr].filter((line) => /listening on/.test(line['msg'] as string))
    assert.equal(banners.length, 1, 'one banner for the whole group')
    const banner = banners[0] as Line
    assert.deepEqual(banner['records'], { store: 'sqlite', path: database })
    assert.match(banner['msg'] as string, new RegExp(`records: sqlite ${database.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
    assert.equal(banner['workers'], 2)
    assert.deepEqual(
      (banner['upstreams'] as Line[]).map((u) => u['name']),
      ['usable', 'unusable', 'azure-no-version'],
    )

    const warnings = stderr.filter((line) => line['level'] === 'warn')
    const texts = warnings.map((line) => JSON.stringify(line['problem'] ?? line['msg']))
    assert.equal(texts.filter((text) => text.includes('no client key can use this upstream')).length, 1, texts.join('\n'))
    assert.equal(texts.filter((text) => text.includes('api_version')).length, 1, texts.join('\n'))
    assert.equal(new Set(texts).size, texts.length, `a warning was written more than once:\n${texts.join('\n')}`)
    // Nothing of the keys in any line.
    for (const key of ['sk-output-upstream-key', 'sk-output-azure-key', clientKey])
      assert.equal(`${gw.stdout()}${gw.stderr()}`.includes(key), false, key)
  },
)

test(
  'with --workers 2 a warning raised in the worker threads (the records store) is one JSON line for the group',
  { timeout: processDeadlineMs * 3 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'oar-thread-warning-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(
      join(dir, 'config.yaml'),
      [
        'address: "127.0.0.1:0"',
        'dbtype: sqlite',
        `dbaddr: ${join(dir, 'records.sqlite')}`,
        `authorization: ${clientKey}`,
        'upstreams:',
        '  - { sk: sk-thread-warning, endpoint: "http://127.0.0.1:9/v1" }',
        '',
      ].join('\n'),
    )
    const preload = join(repoRoot, 'tests', 'fixtures', 'thread-warning-preload.cjs')
    const gw = await startGatewayProcess(t, ['--workers', '2'], dir, childEnv({ NODE_OPTIONS: `--require ${preload}` }))
    // Each worker's records thread answers the schema check at start, raising the warning there.
    await within(gw.stderrLine(/"msg":"node warning"/), processDeadlineMs, 'the warning line')
    assert.equal(await within(gw.stop(), processDeadlineMs, 'the exit'), 0)
    const stderr = jsonLines(gw.stderr(), 'stderr')
    jsonLines(gw.stdout(), 'stdout')
    assert.equal(
      stderr.filter((line) => line['msg'] === 'node warning' && line['warning'] === 'a driver API this thread uses is deprecated').length,
      1,
    )
  },
)
