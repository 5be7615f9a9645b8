// A second signal while the gateway drains: another SIGTERM (a supervisor repeating itself) keeps the drain
// going, so an in-flight stream still finishes and the exit is 0; a SIGINT while draining (Ctrl-C twice) exits at once.
// SIGHUP (a closed terminal, a reload request) is logged once for the group and changes nothing. Workers whose
// primary is killed drain rather than vanish.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { readFileSync } from 'node:fs'
import { chunk, eventText, startFakeUpstream, type ReceivedRequest } from './helpers/fake-upstream.js'
import { childPids, procAvailable } from './helpers/child-pids.js'
import { processDeadlineMs, startGatewayProcess, within, type GatewayProcess } from './helpers/gateway-process.js'
import { waitFor } from './helpers/wait-for.js'

const clientKey = 'client-key-signals'

/** A gateway whose one upstream streams a first word, then waits for `release()`. */
async function gatewayWithHeldStream(t: TestContext, workers: number): Promise<{ gw: GatewayProcess; release: () => void }> {
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  const upstream = await startFakeUpstream(async (req: ReceivedRequest, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(eventText(chunk({ role: 'assistant', content: 'first' })))
    await Promise.race([released, req.aborted])
    if (req.wasAborted()) return
    res.write(eventText(chunk({ content: ' last' }, 'stop')))
    res.end('data: [DONE]\n\n')
  })
  t.after(() => upstream.close())
  const dir = mkdtempSync(join(tmpdir(), 'oar-signals-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'config.yaml'),
    `address: "127.0.0.1:0"\ndbtype: none\nshutdown_timeout: 600\nauthorization: ${clientKey}\nupstreams:\n  - { sk: sk-signals, endpoint: "${upstream.endpoint}" }\n`,
  )
  const gw = await startGatewayProcess(t, ['--workers', String(workers)], dir)
  return { gw, release }
}

/** A streamed request: resolves `started` at its first bytes, `finished` when it ends or is cut. */
function streamChat(url: string): { started: Promise<void>; finished: Promise<{ text: string; complete: boolean }> } {
  let onStart!: () => void
  let onFinish!: (result: { text: string; complete: boolean }) => void
  const started = new Promise<void>((resolve) => (onStart = resolve))
  const finished = new Promise<{ text: string; complete: boolean }>((resolve) => (onFinish = resolve))
  let text = ''
  const req = httpRequest(`${url}/v1/chat/completions`, {
    method: 'POST',
    agent: false,
    headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
  })
  req.on('response', (res) => {
    res.on('data', (data: Buffer) => {
      text += data.toString()
      onStart()
    })
    res.on('end', () => onFinish({ text, complete: res.complete }))
    res.on('error', () => onFinish({ text, complete: false }))
  })
  req.on('error', () => onFinish({ text, complete: false }))
  req.end(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }))
  return { started, finished }
}

/** The line, or a failure naming the exit code if the process ends before writing it. */
function lineBeforeExit(gw: GatewayProcess, pattern: RegExp, what: string): Promise<string> {
  return within(
    Promise.race([
      gw.stderrLine(pattern),
      gw.exited.then((code) =>
        Promise.reject(new Error(`the process exited (code ${code}, signal ${gw.child.signalCode}) before ${what}`)),
      ),
    ]),
    processDeadlineMs,
    what,
  )
}

for (const workers of [1, 2]) {
  test(
    `--workers ${workers}: a second SIGTERM keeps draining; the stream finishes and the exit is 0`,
    { timeout: processDeadlineMs * 3 },
    async (t) => {
      const { gw, release } = await gatewayWithHeldStream(t, workers)
      const stream = streamChat(gw.url)
      await within(stream.started, processDeadlineMs, 'the first chunk')
      gw.child.kill('SIGTERM')
      await lineBeforeExit(gw, /"msg":"SIGTERM: draining/, 'the drain starts')
      gw.child.kill('SIGTERM')
      await lineBeforeExit(gw, /SIGTERM while draining: still draining/, 'the second SIGTERM is acknowledged')
      assert.equal(gw.child.exitCode, null, 'still running while the stream is in flight')
      release()
      const finished = await within(stream.finished, processDeadlineMs, 'the stream end')
      assert.equal(finished.complete, true)
      assert.match(finished.text, /data: \[DONE\]/)
      assert.equal(await within(gw.exited, processDeadlineMs, 'the exit'), 0)
    },
  )
}

test('a SIGINT while draining exits at once with 130, cutting what is still in flight', { timeout: processDeadlineMs * 3 }, async (t) => {
  const { gw } = await gatewayWithHeldStream(t, 1)
  const stream = streamChat(gw.url)
  await within(stream.started, processDeadlineMs, 'the first chunk')
  gw.child.kill('SIGINT')
  await lineBeforeExit(gw, /"msg":"SIGINT: draining/, 'the drain starts')
  // The stream is never released and the drain deadline is 600 s: only the forced exit ends the process now.
  gw.child.kill('SIGINT')
  assert.equal(await within(gw.exited, processDeadlineMs, 'the forced exit'), 130)
  const finished = await within(stream.finished, processDeadlineMs, 'the stream cut')
  assert.equal(finished.complete, false)
  assert.doesNotMatch(finished.text, /\[DONE\]/)
})

for (const workers of [1, 2]) {
  test(
    `--workers ${workers}: SIGHUP to every process reloads the config once; the stream and the gateway go on`,
    { timeout: processDeadlineMs * 3, skip: procAvailable ? false : 'needs /proc to find the workers' },
    async (t) => {
      const { gw, release } = await gatewayWithHeldStream(t, workers)
      const stream = streamChat(gw.url)
      await within(stream.started, processDeadlineMs, 'the first chunk')
      // As a terminal's hangup does: every process of the group gets it, the workers first.
      const pids = childPids(gw.child.pid as number)
      assert.equal(pids.length, workers === 1 ? 0 : workers)
      for (const pid of pids) process.kill(pid, 'SIGHUP')
      gw.child.kill('SIGHUP')
      // One process reloads itself; a primary reloads its workers, which leave a SIGHUP of their own to it.
      const acknowledged = /"msg":"config reloaded"/
      await lineBeforeExit(gw, acknowledged, 'the SIGHUP is acknowledged')
      release()
      const finished = await within(stream.finished, processDeadlineMs, 'the stream end')
      assert.equal(finished.complete, true)
      assert.match(finished.text, /data: \[DONE\]/)
      const again = streamChat(gw.url)
      release()
      assert.equal((await within(again.finished, processDeadlineMs, 'a request after SIGHUP')).complete, true)
      assert.equal(await within(gw.stop(), processDeadlineMs, 'the exit'), 0)
      const lines = gw.stderr().split('\n')
      assert.equal(lines.filter((line) => acknowledged.test(line)).length, 1, 'once for the group')
      assert.equal(lines.filter((line) => line.includes('a worker exited')).length, 0, 'no worker ended')
      for (const line of lines.filter((l) => l !== '')) assert.doesNotThrow(() => JSON.parse(line), line)
    },
  )
}

/** Whether the process runs (a zombie, ended but not yet reaped by whoever adopted it, does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

test(
  '--workers 2: when the primary is killed, the workers drain: the stream in flight finishes, then they exit',
  { timeout: processDeadlineMs * 3, skip: procAvailable ? false : 'needs /proc to find the workers' },
  async (t) => {
    const { gw, release } = await gatewayWithHeldStream(t, 2)
    const workers = childPids(gw.child.pid as number)
    assert.equal(workers.length, 2)
    t.after(() => {
      for (const pid of workers) if (running(pid)) process.kill(pid, 'SIGKILL')
    })
    const stream = streamChat(gw.url)
    await within(stream.started, processDeadlineMs, 'the first chunk')
    gw.child.kill('SIGKILL')
    await within(gw.exited, processDeadlineMs, 'the end of the primary')
    // The workers write to the same stderr: each says it drains, and the stream is still in flight.
    await waitFor(
      () =>
        gw
          .stderr()
          .split('\n')
          .filter((line) => line.includes('"msg":"primary gone: draining"')).length === 2,
      'both workers draining',
      processDeadlineMs,
    )
    release()
    const finished = await within(stream.finished, processDeadlineMs, 'the stream end')
    assert.equal(finished.complete, true)
    assert.match(finished.text, /data: \[DONE\]/)
    await waitFor(() => workers.every((pid) => !running(pid)), 'the workers to exit after their drain', processDeadlineMs)
    for (const line of gw
      .stderr()
      .split('\n')
      .filter((l) => l !== ''))
      assert.doesNotThrow(() => JSON.parse(line), line)
  },
)
