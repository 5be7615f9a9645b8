// Reloading the real gateway process: SIGHUP to a single process, and with `--workers 2` SIGHUP to the primary or
// POST /admin/reload to any worker switches every worker; a file that fails validation leaves all of them serving.
import assert from 'node:assert/strict'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { completion, json } from './helpers/fake-upstream.js'
import { fakeUpstreamFor } from './helpers/scripted-gateway.js'
import { processDeadlineMs, startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.js'
import { waitFor } from './helpers/wait-for.js'

const clientKey = 'sk-client-process-reload'
const adminKey = 'sk-admin-process-reload'

function configYaml(endpoint: string, extra = ''): string {
  return [
    'address: "127.0.0.1:0"',
    'dbtype: none',
    `authorization: ${clientKey}`,
    `admin: { keys: [${adminKey}] }`,
    'upstreams:',
    '  - name: u',
    '    sk: sk-upstream',
    `    endpoint: ${endpoint}`,
    extra,
  ].join('\n')
}

interface Answer {
  readonly status: number
  readonly version: string | undefined
  readonly body: string
}

/** One request on a connection of its own, so that the primary hands each to the next worker. */
function ask(gw: GatewayProcess, path: string, method: string, key: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${gw.url}${path}`,
      { method, agent: false, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } },
      (res) => {
        let text = ''
        res.on('data', (chunk: Buffer) => (text += chunk.toString()))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, version: res.headers['x-config-version'] as string | undefined, body: text }),
        )
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const chat = (gw: GatewayProcess): Promise<Answer> =>
  ask(gw, '/v1/chat/completions', 'POST', clientKey, JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }))

function reloadedLines(gw: GatewayProcess): number {
  return gw
    .stderr()
    .split('\n')
    .filter((line) => line.includes('"msg":"config reloaded"')).length
}

async function setUp(
  t: TestContext,
  workers: number,
  extra = '',
): Promise<{ gw: GatewayProcess; write: (yaml: string) => void; b: string; file: string }> {
  const a = await fakeUpstreamFor(t, json(200, completion('from a')))
  const b = await fakeUpstreamFor(t, json(200, completion('from b')))
  const dir = mkdtempSync(join(tmpdir(), 'oar-reload-process-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'config.yaml')
  const write = (yaml: string): void => writeFileSync(file, yaml)
  write(configYaml(a.endpoint, extra))
  const gw = await startGatewayProcess(t, ['-config', file, '--workers', String(workers)], dir)
  t.after(() => gw.stop())
  return { gw, write, b: b.endpoint, file }
}

/** Enough connections that a round-robin primary hands several to every worker. */
async function everyAnswer(gw: GatewayProcess, n = 8): Promise<Answer[]> {
  const answers: Answer[] = []
  for (let i = 0; i < n; i++) answers.push(await chat(gw))
  return answers
}

test('SIGHUP reloads a single process; a bad file afterwards changes nothing', { timeout: processDeadlineMs * 3 }, async (t) => {
  const { gw, write, b } = await setUp(t, 1)
  const before = await chat(gw)
  assert.match(before.body, /from a/)
  write(configYaml(b))
  gw.child.kill('SIGHUP')
  await waitFor(() => reloadedLines(gw) === 1, 'the reload')
  const after = await chat(gw)
  assert.match(after.body, /from b/)
  assert.notEqual(after.version, before.version)

  write(`${configYaml(b)}\ntimeout: never\n`)
  gw.child.kill('SIGHUP')
  await waitFor(() => gw.stderr().includes('config reload refused'), 'the refusal')
  assert.match(gw.stderr(), /config\.yaml:\d+:\d+ timeout: /)
  const still = await chat(gw)
  assert.match(still.body, /from b/)
  assert.equal(still.version, after.version)
})

test(
  '--workers 2: SIGHUP to the primary and POST /admin/reload to a worker switch both workers',
  { timeout: processDeadlineMs * 4 },
  async (t) => {
    const { gw, write, b } = await setUp(t, 2)
    const before = await everyAnswer(gw)
    const v1 = before[0]?.version
    assert.ok(before.every((answer) => /from a/.test(answer.body) && answer.version === v1))

    write(configYaml(b))
    gw.child.kill('SIGHUP')
    // The primary says so once every worker has answered.
    await waitFor(() => reloadedLines(gw) === 1, 'the reload of the group')
    const afterSighup = await everyAnswer(gw)
    const v2 = afterSighup[0]?.version
    assert.notEqual(v2, v1)
    assert.deepEqual(
      afterSighup.filter((answer) => !/from b/.test(answer.body) || answer.version !== v2),
      [],
    )

    write(configYaml(b, 'lb_policy: random'))
    const reload = await ask(gw, '/admin/reload', 'POST', adminKey)
    assert.equal(reload.status, 200)
    const v3 = (JSON.parse(reload.body) as { version: string }).version
    assert.notEqual(v3, v2)
    const afterAdmin = await everyAnswer(gw)
    assert.deepEqual(
      afterAdmin.map((answer) => answer.version).filter((version) => version !== v3),
      [],
    )

    write(`${configYaml(b)}\nretries: many\n`)
    const refused = await ask(gw, '/admin/reload', 'POST', adminKey)
    assert.equal(refused.status, 400)
    assert.match((JSON.parse(refused.body) as { problems: string[] }).problems[0] ?? '', /config\.yaml:\d+:\d+ retries: /)
    assert.deepEqual(
      (await everyAnswer(gw)).map((answer) => answer.version).filter((version) => version !== v3),
      [],
    )
  },
)

for (const workers of [1, 2]) {
  test(
    `--workers ${workers}: watch_config reloads a file saved by renaming a new one over it`,
    { timeout: processDeadlineMs * 3 },
    async (t) => {
      const { gw, b, file } = await setUp(t, workers, 'watch_config: true')
      assert.match((await chat(gw)).body, /from a/)
      // As an editor saves: a new file written beside the config, then renamed over it.
      writeFileSync(`${file}.swp`, configYaml(b, 'watch_config: true'))
      renameSync(`${file}.swp`, file)
      await waitFor(() => reloadedLines(gw) === 1, 'the reload')
      const answers = await everyAnswer(gw, 4)
      assert.deepEqual(
        answers.filter((answer) => !/from b/.test(answer.body)),
        [],
      )
      assert.match(gw.stderr(), /"trigger":"watch_config"/)
    },
  )
}
