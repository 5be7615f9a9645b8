import { fork, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { request } from 'undici'
const dist = process.argv[2]
const mock = fork(`${dist}/bench/mock-upstream.js`, ['--chunks', '50', '--chunk-gap-ms', '2'])
const port = await new Promise((r) => mock.on('message', (m) => m.type === 'ready' && r(m.port)))
const cfg = '/tmp/attempt-prof/gw.yaml'
writeFileSync(cfg, ['address: "127.0.0.1:18931"', 'dbtype: sqlite', 'dbaddr: /tmp/attempt-prof/rec.sqlite', 'idle_timeout: 900', 'upstreams:', '  - sk: x', `    endpoint: "http://127.0.0.1:${port}/v1"`, '    noauth: true', ''].join('\n'))
const gw = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/attempt-prof', `${dist}/src/main.js`, '-config', cfg, '--workers', '1'], { stdio: 'inherit', env: { ...process.env, LOG_LEVEL: 'warn' } })
for (;;) { try { await request('http://127.0.0.1:18931/healthz'); break } catch { await new Promise((r) => setTimeout(r, 100)) } }
const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] })
let done = 0
const end = Date.now() + 8000
async function loop() { while (Date.now() < end) { const r = await request('http://127.0.0.1:18931/v1/chat/completions', { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer x' } }); await r.body.text(); done++ } }
await Promise.all(Array.from({ length: 50 }, loop))
console.log('streams', done)
gw.kill('SIGTERM'); await new Promise((r) => gw.on('exit', r)); mock.kill()
