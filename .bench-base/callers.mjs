import { readFileSync } from 'node:fs'
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const byId = new Map(p.nodes.map((n) => [n.id, n])); const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const dt = new Map(); p.samples.forEach((s, i) => dt.set(s, (dt.get(s) ?? 0) + (p.timeDeltas[i] ?? 0)))
const name = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`
const acc = new Map()
for (const n of p.nodes) { if (!name(n).startsWith(process.argv[3])) continue; const t = dt.get(n.id) ?? 0; const chain = []; let id = parent.get(n.id); for (let i = 0; i < +(process.argv[4] ?? 4) && id !== undefined; i++) { chain.push(name(byId.get(id))); id = parent.get(id) } const k = chain.join(' < '); acc.set(k, (acc.get(k) ?? 0) + t) }
for (const [k, t] of [...acc].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log((t / 1000).toFixed(1).padStart(8), k)
