import { classifyEvent } from '../dist/src/streaming/classify-event.js'
const s = `${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1733500000, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: ' hello' }, finish_reason: null }] })}`
const ev = { event: '', data: s, id: undefined }
for (const [name, fn] of [['parse', () => JSON.parse(s)], ['classify', () => classifyEvent('chat', ev)], ['includes', () => s.includes('"usage"')]]) {
  for (let r = 0; r < 3; r++) { const t = process.hrtime.bigint(); for (let i = 0; i < 1e6; i++) fn(); console.log(name, Number(process.hrtime.bigint() - t) / 1e6, 'ns/op') }
}
