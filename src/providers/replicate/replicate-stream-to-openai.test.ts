// ReplicateStreamMapper: prediction stream events in, OpenAI chunks out.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { chunkFrom } from '../../../tests/helpers/fake-upstream.js'
import type { StreamOutput } from '../openai-chat.js'
import { ReplicateStreamMapper } from './replicate-stream-to-openai.js'

const identity = { id: 'p1', created: 1700000000, model: 'mistralai/mixtral-8x7b-instruct-v0.1' }
const chunk = (delta: Record<string, unknown>, finish: string | null = null): unknown =>
  chunkFrom(identity.id, delta, finish, identity.model)

function replay(events: { event: string; data: string }[]): StreamOutput[] {
  const mapper = new ReplicateStreamMapper(identity)
  return events.flatMap((e) => mapper.map({ ...e, id: undefined }))
}

test('output pieces become content chunks after a held role chunk; done finishes with stop', () => {
  assert.deepEqual(
    replay([
      { event: 'output', data: 'Once' },
      { event: 'output', data: '' },
      { event: 'output', data: ' upon\na time' },
      { event: 'done', data: '{}' },
    ]),
    [
      { kind: 'chunk', chunk: chunk({ role: 'assistant', content: '' }), held: true },
      { kind: 'chunk', chunk: chunk({ content: 'Once' }), held: false },
      { kind: 'chunk', chunk: chunk({ content: ' upon\na time' }), held: false },
      { kind: 'chunk', chunk: chunk({}, 'stop'), held: false },
      { kind: 'done' },
    ],
  )
})

test('an empty answer still opens and finishes the choice', () => {
  assert.deepEqual(
    replay([{ event: 'done', data: '{}' }]).map((o) => o.kind),
    ['chunk', 'chunk', 'done'],
  )
})

test('error events and done with a reason are errors', () => {
  assert.deepEqual(replay([{ event: 'error', data: '{"detail":"CUDA out of memory"}' }]), [
    { kind: 'error', errorType: 'prediction_failed', message: 'CUDA out of memory' },
  ])
  assert.deepEqual(replay([{ event: 'done', data: '{"reason":"canceled"}' }]), [
    { kind: 'error', errorType: 'prediction_canceled', message: '' },
  ])
  assert.deepEqual(replay([{ event: 'done', data: '{"reason":"error"}' }]), [
    { kind: 'error', errorType: 'prediction_failed', message: '' },
  ])
})

test('unknown events are ignored', () => {
  assert.deepEqual(replay([{ event: 'logs', data: 'loading' }]), [])
})
