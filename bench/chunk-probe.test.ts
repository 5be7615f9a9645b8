import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventCounter } from './chunk-probe.js'

const event = (word: string): string => `data: {"choices":[{"delta":{"content":"${word}"}}]}\n\n`

test('a read that completes two events counts two: chunks that were held back and sent together', () => {
  const counter = new EventCounter()
  assert.equal(counter.push(event('a') + event('b')), 2)
})

test('an event split across reads is counted once, by the read that completes it', () => {
  const counter = new EventCounter()
  const whole = event('split')
  assert.equal(counter.push(whole.slice(0, 10)), 0)
  assert.equal(counter.push(whole.slice(10)), 1)
  assert.equal(counter.contentEvents, 1)
})

test('[DONE] is not a content event but marks the stream complete', () => {
  const counter = new EventCounter()
  assert.equal(counter.push(`${event('last')}data: [DONE]\n\n`), 1)
  assert.equal(counter.done, true)
})
