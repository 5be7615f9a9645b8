// readBody: the body within its size, its deadline and the shared budget, with every reserved byte returned.
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { ManualClock } from '../time/manual-clock.js'
import { BodyBudget } from './body-budget.js'
import { readBody } from './read-body.js'

function request(headers: Record<string, string> = {}): PassThrough & IncomingMessage {
  return Object.assign(new PassThrough(), { headers }) as unknown as PassThrough & IncomingMessage
}

function codeOf(error: unknown): string {
  return (error as { code?: string }).code ?? String(error)
}

test('a declared body is reserved whole at once, read in place, and released by the caller', async () => {
  const budget = new BodyBudget(100)
  const req = request({ 'content-length': '10' })
  const reading = readBody(req, { limit: 50, timeoutMs: 0, budget, clock: new ManualClock() })
  assert.equal(budget.used, 10)
  req.write('01234')
  req.end('56789')
  const read = await reading
  assert.equal(read.body?.toString(), '0123456789')
  assert.equal(budget.used, 10)
  read.release()
  assert.equal(budget.used, 0)
})

test('a declared body over the limit, or one that does not fit the budget, is refused before reading', () => {
  const budget = new BodyBudget(100)
  const clock = new ManualClock()
  assert.throws(() => readBody(request({ 'content-length': '51' }), { limit: 50, timeoutMs: 0, budget, clock }), {
    code: 'request_too_large',
  })
  assert.ok(budget.tryReserve(60))
  assert.throws(() => readBody(request({ 'content-length': '41' }), { limit: 50, timeoutMs: 0, budget, clock }), { code: 'server_busy' })
  assert.equal(budget.used, 60)
})

test('a chunked body is reserved as it grows; past the budget it is refused and what it held is returned', async () => {
  const budget = new BodyBudget(100)
  assert.ok(budget.tryReserve(70))
  const req = request({ 'transfer-encoding': 'chunked' })
  const reading = readBody(req, { limit: 1000, timeoutMs: 0, budget, clock: new ManualClock() })
  req.write(Buffer.alloc(20))
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(budget.used, 90)
  req.write(Buffer.alloc(20))
  await assert.rejects(reading, (error) => codeOf(error) === 'server_busy')
  assert.equal(budget.used, 70)
})

test('a body still incomplete at the deadline is refused with request_timeout and its bytes returned', async () => {
  const budget = new BodyBudget(100)
  const clock = new ManualClock()
  const req = request({ 'content-length': '10' })
  const reading = readBody(req, { limit: 50, timeoutMs: 30_000, budget, clock })
  req.write('0123')
  clock.advance(29_999)
  assert.equal(budget.used, 10)
  clock.advance(1)
  await assert.rejects(reading, (error) => codeOf(error) === 'request_timeout')
  assert.equal(budget.used, 0)
  assert.equal(clock.pending, 0)
})

test('a client that leaves mid-body gets client_closed and returns its reservation; the deadline is cleared', async () => {
  const budget = new BodyBudget(100)
  const clock = new ManualClock()
  const req = request({ 'content-length': '10' })
  const reading = readBody(req, { limit: 50, timeoutMs: 30_000, budget, clock })
  req.write('0123')
  req.destroy()
  await assert.rejects(reading, (error) => codeOf(error) === 'client_closed')
  assert.equal(budget.used, 0)
  assert.equal(clock.pending, 0)
})

test('a chunked body over the limit is refused as it grows', async () => {
  const budget = new BodyBudget(1000)
  const req = request()
  const reading = readBody(req, { limit: 10, timeoutMs: 0, budget, clock: new ManualClock() })
  req.write(Buffer.alloc(11))
  await assert.rejects(reading, (error) => codeOf(error) === 'request_too_large')
  assert.equal(budget.used, 0)
})
