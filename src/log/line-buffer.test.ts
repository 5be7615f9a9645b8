// LineBuffer: lines logged in one event-loop turn are written together, in order, at the end of the turn.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLineBuffer } from './line-buffer.js'

test('one write per turn, in order', async () => {
  const writes: string[] = []
  const buffer = createLineBuffer((text) => writes.push(text))
  buffer.write('a\n')
  buffer.write('b\n')
  assert.deepEqual(writes, [])
  await new Promise<void>((resolve) => setImmediate(resolve))
  assert.deepEqual(writes, ['a\nb\n'])
  buffer.write('c\n')
  buffer.flush()
  assert.deepEqual(writes, ['a\nb\n', 'c\n'])
})

test('a large backlog is written at once instead of waiting for the turn to end', () => {
  const writes: string[] = []
  const buffer = createLineBuffer((text) => writes.push(text))
  const line = `${'x'.repeat(1023)}\n`
  for (let i = 0; i < 64; i++) buffer.write(line)
  assert.equal(writes.length, 1)
  assert.equal(writes[0]?.length, 64 * 1024)
})
