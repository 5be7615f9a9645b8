// Graceful shutdown: SIGTERM to the real process lets an in-flight stream finish, refuses new connections and
// exits 0; a stream that outlasts shutdown_timeout is cut at the deadline and the process still exits 0;
// while draining, /readyz says 503.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest, type ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { alwaysRedactedHeaders } from '../src/config/records-schema.js'
import { createLogger } from '../src/log/logger.js'
import { RecordStoreThread } from '../src/observers/recording/record-store-thread.js'
import { chunk, eventText, startFakeUpstream, type FakeUpstream, type ReceivedRequest } from './helpers/fake-upstream.js'
import { startGatewayProcess, within, processDeadlineMs } from './helpers/gateway-process.js'
import { startTestGateway } from './helpers/test-gateway.js'

const clientKey = 'client-key-shutdown'

/** An upstream stream whose first word goes out at once and whose rest waits until `release()`. */
interface GatedStream {
  readonly upstream: FakeUpstream
  readonly release: () => void
}

async function gatedStream(t: TestContext): Promise<GatedStream> {
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  const behaviour = async (req: ReceivedRequest, res: ServerResponse): Promise<void> => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(eventText(chunk({ role: 'assistant', content: 'first' })))
    await Promise.race([released, req.aborted])
    if (req.wasAborted()) return
    for (const word of [' second', ' third']) res.write(eventText(chunk({ content: word })))
    res.write(eventText(chunk({}, 'stop')))
    res.end('data: [DONE]\n\n')
  }
  const upstream = await startFakeUpstream(behaviour)
  t.after(() => upstream.close())
  return { upstream, release }
}

function configDir(t: TestContext, endpoint: string, extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'oar-shutdown-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    join(dir, 'config.yaml'),
    `address: "127.0.0.1:0"\ndbtype: none\nauthorization: ${clientKey}\n${extra}\nupstreams:\n  - { sk: sk-shutdown, endpoint: "${endpoint}" }\n`,
  )
  return dir
}

interface ClientStream {
  /** Resolves with the text so far once the first bytes arrived. */
  readonly started: Promise<string>
  /** Resolves when the response ends or the connection is cut, with the whole text and how it ended. */
  readonly finished: Promise<{ text: string; complete: boolean }>
}

/** A streamed chat request over its own connection, read as it arrives. */
function streamChat(url: string): ClientStream {
  let onStart!: (text: string) => void
  let onFinish!: (result: { text: string; complete: boolean }) => void
  const started = new Promise<string>((resolve) => (onStart = resolve))
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
      onStart(text)
    })
    res.on('end', () => onFinish({ text, complete: res.complete }))
    res.on('aborted', () => onFinish({ text, complete: false }))
    res.on('error', () => onFinish({ text, complete: false }))
  })
  req.on('error', () => onFinish({ text, complete: false }))
  req.end(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }))
  return { started, finished }
}

/** Resolves with the error code of a fresh connection attempt (or 'connected'). */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)))
  })
}

test('SIGTERM lets an in-flight stream finish, refuses new connections, and exits 0', async (t) => {
  const { upstream, release } = await gatedStream(t)
  const gw = await startGatewayProcess(t, [], configDir(t, upstream.endpoint))
  assert.equal(await tryConnect(gw.port), 'connected')
  const stream = streamChat(gw.url)
  assert.match(await within(stream.started, processDeadlineMs, 'the first chunk'), /first/)

  gw.child.kill('SIGTERM')
  await within(gw.stderrLine(/SIGTERM: draining/), processDeadlineMs, 'the draining log line')
  assert.equal(await tryConnect(gw.port), 'ECONNREFUSED', 'no new connection after SIGTERM')
  assert.equal(gw.child.exitCode, null, 'still running while the stream is in flight')

  release()
  const { text, complete } = await within(stream.finished, processDeadlineMs, 'the end of the stream')
  assert.equal(complete, true)
  assert.match(text, /first.* second.* third/s)
  assert.match(text, /data: \[DONE\]\n\n$/)
  assert.equal(await within(gw.exited, processDeadlineMs, 'the exit'), 0)
  assert.equal(upstream.requests[0]?.wasAborted(), false)
})

test('a stream that outlasts shutdown_timeout ends with a shutting_down error event at the deadline, and the process still exits 0', async (t) => {
  const { upstream } = await gatedStream(t)
  // Idle and first-byte timeouts far beyond the test, so only the shutdown deadline can end the stream.
  const gw = await startGatewayProcess(
    t,
    [],
    configDir(t, upstream.endpoint, 'shutdown_timeout: 0.5\nidle_timeout: 600\ntimeout: 600\nstream_timeout: 600'),
  )
  const stream = streamChat(gw.url)
  await within(stream.started, processDeadlineMs, 'the first chunk')
  gw.child.kill('SIGTERM')
  assert.equal(await within(gw.exited, processDeadlineMs, 'the exit after the shutdown deadline'), 0)
  const { text } = await within(stream.finished, processDeadlineMs, 'the cut of the stream')
  // Ended visibly: an error event saying why, and never a clean [DONE].
  assert.match(text, /data: \{"error":\{[^\n]*"code":"shutting_down"/)
  assert.doesNotMatch(text, /\[DONE\]/)
  await within(upstream.requests[0]?.aborted ?? Promise.reject(new Error('no upstream request')), processDeadlineMs, 'the upstream abort')
})

test('while draining, /readyz answers 503 and asks the client to close the connection', async (t) => {
  const { upstream, release } = await gatedStream(t)
  const gw = await startTestGateway(`authorization: ${clientKey}\nupstreams:\n  - { sk: sk-shutdown, endpoint: "${upstream.endpoint}" }\n`)
  t.after(() => gw.shutdown(1000))
  // One connection: a stream in flight, then (pipelined behind it, sent once draining has begun) a probe.
  // A new connection could not ask: the listener is closed by then.
  const socket = connect(gw.address.port, '127.0.0.1')
  t.after(() => socket.destroy())
  let received = ''
  let onData: (() => void) | undefined
  socket.on('data', (data: Buffer) => {
    received += data.toString('latin1')
    onData?.()
  })
  const until = (pattern: RegExp): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (pattern.test(received)) resolve()
      }
      onData = check
      check()
    })
  const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [] })
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${clientKey}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
  )
  await within(until(/first/), processDeadlineMs, 'the first chunk')

  const shutdown = gw.shutdown(processDeadlineMs)
  socket.write('GET /readyz HTTP/1.1\r\nhost: x\r\n\r\n')
  release()
  await within(until(/"status":"draining"/), processDeadlineMs, 'the probe answer')
  await shutdown
  const statuses = [...received.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1])
  assert.deepEqual(statuses, ['200', '503'])
  assert.match(received, /data: \[DONE\]/)
  const probe = received.slice(received.lastIndexOf('HTTP/1.1 503'))
  assert.match(probe, /\r\nconnection: close\r\n/i)
})

test('with --workers 2: one scrape shows both workers, and SIGTERM lets an in-flight stream finish before exit 0', async (t) => {
  const { upstream, release } = await gatedStream(t)
  const dir = configDir(t, upstream.endpoint)
  // Records on: both workers write to one SQLite file.
  const database = join(dir, 'records.sqlite')
  writeFileSync(
    join(dir, 'config.yaml'),
    readFileSync(join(dir, 'config.yaml'), 'utf8').replace('dbtype: none', `dbtype: sqlite\ndbaddr: ${database}`),
  )
  const gw = await startGatewayProcess(t, ['--workers', '2'], dir)
  assert.match(gw.listeningLine, /2 workers/)
  // Enough plain requests that the kernel's round robin reaches both workers; each counts in its own process.
  upstream.script(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        id: 'x',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      }),
    )
  })
  const requests = 12
  for (let i = 0; i < requests; i++) {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [] }),
    })
    assert.equal(res.status, 200)
    await res.arrayBuffer()
  }
  // An outcome is observed once its tokens are estimated (on a worker thread, after the response): poll.
  let scrape = ''
  let counted = 0
  const deadline = Date.now() + processDeadlineMs
  while (counted < requests && Date.now() < deadline) {
    scrape = await (await fetch(`${gw.url}/metrics`, { headers: { connection: 'close' } })).text()
    counted = [...scrape.matchAll(/^openai_api_route_requests_total\{[^}]*status_class="2xx"[^}]*\} (\d+)$/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    )
  }
  assert.equal(counted, requests, 'the scrape sums every worker')
  for (const worker of ['primary', '1', '2'])
    assert.match(scrape, new RegExp(`^process_resident_memory_bytes\\{worker="${worker}"\\} \\d+`, 'm'))

  upstream.script(async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(eventText(chunk({ role: 'assistant', content: 'first' })))
    await streamGate
    if (req.wasAborted()) return
    res.write(eventText(chunk({ content: ' second' })))
    res.end('data: [DONE]\n\n')
  })
  const stream = streamChat(gw.url)
  await within(stream.started, processDeadlineMs, 'the first chunk')
  gw.child.kill('SIGTERM')
  await within(gw.stderrLine(/SIGTERM: draining 2 workers/), processDeadlineMs, 'the draining log line')
  assert.equal(gw.child.exitCode, null, 'still running while the stream is in flight')
  openGate()
  release()
  const { text, complete } = await within(stream.finished, processDeadlineMs, 'the end of the stream')
  assert.equal(complete, true)
  assert.match(text, /first.* second.*data: \[DONE\]/s)
  assert.equal(await within(gw.exited, processDeadlineMs, 'the exit'), 0)
  // Every request of both workers has its row after the drain.
  const store = RecordStoreThread.open({
    dialect: 'sqlite',
    address: database,
    logger: createLogger({ level: 'silent' }),
    redactHeaders: alwaysRedactedHeaders,
  })
  try {
    const rows = await store.read()
    assert.equal(rows.length, requests + 1)
    assert.ok(rows.every((row) => row.status === 200))
  } finally {
    await store.close()
  }
})

let openGate!: () => void
const streamGate = new Promise<void>((resolve) => (openGate = resolve))
