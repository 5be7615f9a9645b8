// A gateway that cannot start ends at once with status 1 and one line saying what and where, with one
// process or with workers, and leaves no process behind.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { pidsWithEnv, procAvailable } from './helpers/child-pids.js'
import { childEnv, runGateway } from './helpers/gateway-process.js'
import { injectedFailure } from './helpers/second-worker-fails.js'

/** A port taken by another listener for the whole test. */
async function takenPort(t: TestContext): Promise<number> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return (server.address() as { port: number }).port
}

function configDir(t: TestContext, port: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'oar-start-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'config.yaml'),
    `address: "127.0.0.1:${port}"\ndbtype: none\nupstreams:\n  - { endpoint: "http://127.0.0.1:9/v1", noauth: true }\n`,
  )
  return dir
}

/** Every process started with this marker in its environment (the primary and the workers it forks). */
function marked(t: TestContext): { env: NodeJS.ProcessEnv; left: () => number[] } {
  const mark = randomBytes(8).toString('hex')
  const left = (): number[] => pidsWithEnv('OAR_TEST_MARK', mark)
  // Whatever a failing run leaves behind is killed, so one failure does not leak processes into the machine.
  t.after(() => {
    for (const pid of left()) process.kill(pid, 'SIGKILL')
  })
  return { env: childEnv({ OAR_TEST_MARK: mark }), left }
}

for (const workers of ['2', '1']) {
  test(
    `--workers ${workers}: a port in use ends the gateway with status 1 and one line naming the address`,
    { skip: !procAvailable && 'needs /proc (Linux)' },
    async (t) => {
      const port = await takenPort(t)
      const dir = configDir(t, port)
      const { env, left } = marked(t)
      const run = await runGateway(['-config', join(dir, 'config.yaml'), '--workers', workers], dir, env)
      assert.equal(run.code, 1)
      assert.equal(run.stdout, '', 'no listening banner')
      const lines = run.stderr.split('\n').filter((line) => line.trim() !== '')
      assert.equal(lines.length, 1, `one line, not ${lines.length}:\n${run.stderr}`)
      assert.ok(lines[0]?.includes(`127.0.0.1:${port}`), lines[0])
      assert.match(lines[0] ?? '', /address already in use/)
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace')
      assert.deepEqual(left(), [], 'no worker is left running')
    },
  )
}

test(
  '--workers 2: a worker that throws at start stops every worker, restarts none, and the gateway exits 1',
  { skip: !procAvailable && 'needs /proc (Linux)' },
  async (t) => {
    const dir = configDir(t, 0)
    const { env, left } = marked(t)
    const preload = new URL('./helpers/second-worker-fails.js', import.meta.url).href
    const run = await runGateway(['-config', join(dir, 'config.yaml'), '--workers', '2'], dir, {
      ...env,
      NODE_OPTIONS: `--import=${preload}`,
    })
    assert.equal(run.code, 1)
    assert.equal(run.stdout, '', 'no listening banner: not every worker listened')
    // The first line says what failed; the sibling, if it was already serving, may log its drain after it.
    const first = run.stderr.split('\n')[0] ?? ''
    assert.match(first, /"level":"error"/)
    assert.ok(first.includes(`cannot listen on 127.0.0.1:0: ${injectedFailure}`), first)
    assert.equal(run.stderr.split(injectedFailure).length - 1, 1, 'said once, not once per restart')
    assert.doesNotMatch(run.stderr, /starting another/)
    assert.deepEqual(left(), [], 'no worker is left running')
  },
)
