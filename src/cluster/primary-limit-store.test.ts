// Workers' limit checks answered by the primary, over a fake channel that serialises each message as node:cluster's
// IPC does (JSON) and delivers it on a later turn.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { noKeyLimits, type KeyLimits } from '../config/gateway-config.js'
import type { LimitDecision, LimitRequest } from '../limits/limit-store.js'
import { LocalLimitStore } from '../limits/local-limit-store.js'
import { ManualClock } from '../time/manual-clock.js'
import type { PrimaryMessage, WorkerMessage } from './cluster-messages.js'
import { servePrimaryLimits } from './primary-limit-server.js'
import { PrimaryLimitsUnreachableError, PrimaryLimitStore } from './primary-limit-store.js'

const none = noKeyLimits

let nextId = 1
function ask(limits: Partial<KeyLimits>, tokens = 0): LimitRequest {
  return { key: 'alice', limits: { ...none, ...limits }, id: `req-${nextId++}`, tokens, costUsd: 0 }
}

const later = (fn: () => void): void => void setImmediate(fn)
const overTheWire = <T>(message: T): T => JSON.parse(JSON.stringify(message)) as T

/** A primary and its workers; `sent` keeps every worker message in order. */
function group(workers: number) {
  const clock = new ManualClock()
  const primaryStore = new LocalLimitStore(clock)
  const stores = new Map<number, PrimaryLimitStore>()
  const sent: WorkerMessage[] = []
  const server = servePrimaryLimits({
    store: primaryStore,
    send: (workerId: number, message: PrimaryMessage) =>
      later(() => {
        const reply = overTheWire(message)
        if (reply.type === 'oar:limit-decision' || reply.type === 'oar:limit-usage-reply' || reply.type === 'oar:limit-seed-reply')
          stores.get(workerId)?.receive(reply)
      }),
  })
  for (let id = 1; id <= workers; id++) {
    const send = (message: WorkerMessage): void => {
      sent.push(message)
      later(() => {
        const m = overTheWire(message)
        if (m.type.startsWith('oar:limit-')) server.receive(id, m as Parameters<typeof server.receive>[1])
      })
    }
    stores.set(id, new PrimaryLimitStore({ send, clock }))
  }
  const worker = (id: number): PrimaryLimitStore => stores.get(id) ?? assert.fail()
  return { clock, primaryStore, server, worker, sent }
}

test('rpm 30 with 90 concurrent checks from two workers: exactly 30 admitted, the refusals with their figures', async () => {
  const { worker } = group(2)
  const decisions = await Promise.all(Array.from({ length: 90 }, (_, i) => worker((i % 2) + 1).check(ask({ rpm: 30 }))))
  assert.equal(decisions.filter((d) => d.kind === 'admitted').length, 30)
  const refusals = decisions.filter((d) => d.kind === 'refused')
  assert.equal(refusals.length, 60)
  for (const refusal of refusals) {
    assert.equal(refusal.reason, 'requests')
    assert.equal(refusal.retryAfterMs, 60_000)
    assert.deepEqual(refusal.status.requests, { limit: 30, remaining: 0, resetMs: 60_000 })
    assert.equal(refusal.periodEndsAt, undefined)
  }
})

test('leases settle and release through the primary, and a worker that exits gives back every slot it held', async () => {
  const { worker, server, primaryStore } = group(2)
  const limits = { maxConcurrent: 3, tpm: 1_000 }
  const held: LimitDecision[] = []
  for (let i = 0; i < 2; i++) held.push(await worker(1).check(ask(limits, 100)))
  const third = await worker(2).check(ask(limits, 100))
  assert.equal((await worker(2).check(ask(limits, 100))).kind, 'refused')
  if (third.kind !== 'admitted') assert.fail()
  third.lease.settle({ tokens: 500, costUsd: 0 })
  third.lease.settle({ tokens: 0, costUsd: 0 })
  const usage = await worker(2).usage('alice', { ...none, ...limits })
  assert.deepEqual(usage.concurrent, { limit: 3, inFlight: 2 })
  assert.deepEqual(usage.tokens, { limit: 1_000, remaining: 300, resetMs: 60_000 })
  server.workerGone(1)
  assert.deepEqual((await primaryStore.usage('alice', { ...none, ...limits })).concurrent, { limit: 3, inFlight: 0 })
  // A lease of the worker that left does nothing more when it is released after all.
  if (held[0]?.kind === 'admitted') held[0].lease.release()
  assert.equal((await worker(2).check(ask({ maxConcurrent: 3 }))).kind, 'admitted')
})

test('seedSpend reaches the primary once, and only where it holds nothing', async () => {
  const { worker } = group(2)
  await worker(1).seedSpend('alice', 'total', 0, { usd: 4, tokens: 40 })
  await worker(2).seedSpend('alice', 'total', 0, { usd: 9, tokens: 90 })
  const usage = await worker(2).usage('alice', { ...none, budgetPeriod: 'total', budgetUsd: 5 })
  assert.equal(usage.budget.spentUsd, 4)
  assert.equal(usage.budget.endsAt, undefined)
})

test('a primary that does not answer in time fails the check; its late admission is given back at once', async () => {
  const clock = new ManualClock()
  const sent: WorkerMessage[] = []
  const store = new PrimaryLimitStore({ send: (m) => sent.push(m), clock, timeoutMs: 1_000 })
  const checking = store.check(ask({ maxConcurrent: 1 }))
  clock.advance(1_000)
  await assert.rejects(checking, PrimaryLimitsUnreachableError)
  const ask0 = sent[0]
  assert.equal(ask0?.type, 'oar:limit-check')
  const id = ask0.type === 'oar:limit-check' ? ask0.id : -1
  store.receive({ type: 'oar:limit-decision', id, decision: { kind: 'admitted', status: { requests: undefined, tokens: undefined } } })
  assert.deepEqual(sent.slice(1), [{ type: 'oar:limit-release', id }])
  // Heard once: a repeated late reply changes nothing.
  store.receive({ type: 'oar:limit-decision', id, decision: { kind: 'admitted', status: { requests: undefined, tokens: undefined } } })
  assert.equal(sent.length, 2)
  assert.equal(clock.pending, 0)
})

test('a reply that never comes is forgotten a minute after the check failed', async () => {
  const clock = new ManualClock()
  const sent: WorkerMessage[] = []
  const store = new PrimaryLimitStore({ send: (m) => sent.push(m), clock, timeoutMs: 1_000 })
  const checking = store.check(ask({ maxConcurrent: 1 }))
  clock.advance(1_000)
  await assert.rejects(checking, PrimaryLimitsUnreachableError)
  clock.advance(60_000)
  assert.equal(clock.pending, 0)
  const first = sent[0]
  const id = first?.type === 'oar:limit-check' ? first.id : -1
  store.receive({ type: 'oar:limit-decision', id, decision: { kind: 'admitted', status: { requests: undefined, tokens: undefined } } })
  assert.equal(sent.length, 1)
})
