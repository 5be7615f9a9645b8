// CPU of one 50-chunk stream through Attempt (fake adapter, fake response), old build vs new.
const dist = process.argv[2]
const { Attempt } = await import(`${dist}/src/relay/attempt.js`)
const { FakeResponse } = await import(`${dist}/tests/helpers/fake-response.js`).catch(() => import(`/work/wt/attempt/dist/tests/helpers/fake-response.js`))
const { chatRequest, upstreamFrom } = await import(`${dist}/tests/helpers/recording-sink.js`)
const { ManualClock } = await import(`${dist}/src/time/manual-clock.js`)
const words = ['The', 'quick', 'brown', 'fox', 'jumps', 'over', 'the', 'lazy', 'dog']
const events = Array.from({ length: 50 }, (_, i) => Buffer.from(`data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1733500000, model: 'gpt-4o-mini', choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: 'The' } : { content: ` ${words[i % 9]}` }, finish_reason: i === 49 ? 'stop' : null }] })}\n\n`))
events.push(Buffer.from(`data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 187, completion_tokens: 50, total_tokens: 237 } })}\n\n`), Buffer.from('data: [DONE]\n\n'))
const upstream = upstreamFrom('name: primary', 'endpoint: http://127.0.0.1:1')
const request = chatRequest({ model: 'm', messages: [], stream: true })
const clock = new ManualClock()
class Res { destroyed = false; chunkedEncoding = true; writeHead() { return this } write() { return true } end() { return this } once() {} destroy() {} }
function one() {
  let sink
  const adapter = { type: 'openai', send: (_r, _u, s) => { sink = s; return { abort: () => {}, resume: () => {} } } }
  const a = new Attempt({ request, upstream, adapter, res: new Res(), deadlines: { firstByteMs: 0, idleMs: 0, totalMs: 0 }, clock, closeConnection: false, stripUsageChunk: true, dialect: 'chat' })
  a.start()
  sink.onResponseStart(200, ['content-type', 'text/event-stream'])
  for (const e of events) sink.onResponseData(e)
  sink.onResponseEnd()
}
for (let i = 0; i < 3000; i++) one()
const runs = []
for (let r = 0; r < 5; r++) { const c = process.cpuUsage(); for (let i = 0; i < 5000; i++) one(); const d = process.cpuUsage(c); runs.push((d.user + d.system) / 5000) }
runs.sort((a, b) => a - b)
console.log(dist.split('/').slice(-2).join('/'), 'us per stream, median of 5:', runs[2].toFixed(1), runs.map((x) => x.toFixed(1)).join(' '))
