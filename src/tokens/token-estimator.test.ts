import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { threadPrioritiesVisible, threadsAtNice } from '../../tests/helpers/thread-nice.js'
import { backgroundNice } from '../threads/background-priority.js'
import { ManualClock } from '../time/manual-clock.js'
import { promptTexts, roughCount, WorkerTokenEstimator } from './token-estimator.js'

const errors: unknown[] = []
const estimator = new WorkerTokenEstimator((error) => errors.push(error))
after(() => estimator.close())

test('counts with the o200k_base encoding on its worker thread, not by characters', async () => {
  // 11 characters: a characters-per-token rule would say 3; the encoding says 2.
  assert.equal(roughCount('Hello world'), 3)
  assert.deepEqual(await estimator.count(['Hello world', '', 'Bonjour le monde, comment ça va ?']), [2, 0, 8])
  assert.deepEqual(errors, [])
})

test('answers requests made together, each with its own counts', async () => {
  const [a, b] = await Promise.all([estimator.count(['one two three']), estimator.count(['four', 'five six'])])
  assert.deepEqual(a, [3])
  assert.deepEqual(b, [1, 2])
})

test('the prompt of a chat request: every message text, names and tool calls, plus ChatML framing', () => {
  const { texts, framing } = promptTexts({
    messages: [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        name: 'ann',
        content: [
          { type: 'text', text: 'Hi' },
          { type: 'image_url', image_url: { url: 'x' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', function: { name: 'f', arguments: '{}' } }] },
    ],
  })
  assert.deepEqual(texts, ['Be brief.', 'Hi', 'ann', '', '[{"id":"c1","function":{"name":"f","arguments":"{}"}}]'])
  assert.equal(framing, 3 + 3 * 3 + 1)
})

test('the prompt of a legacy completion or embeddings request', () => {
  assert.deepEqual(promptTexts({ prompt: 'Say this' }), { texts: ['Say this'], framing: 0 })
  assert.deepEqual(promptTexts({ input: ['a', 'b'] }), { texts: ['a', 'b'], framing: 0 })
  assert.deepEqual(promptTexts({ model: 'x' }), { texts: [], framing: 0 })
})

test('the counting thread runs at background priority', { skip: threadPrioritiesVisible }, async () => {
  await estimator.count(['warm'])
  assert.ok(threadsAtNice(backgroundNice).length >= 1)
})

test('a worker with nothing to count for the idle time ends (freeing its table); the next estimate starts one', async () => {
  const clock = new ManualClock()
  const idle = new WorkerTokenEstimator((error) => errors.push(error), { idleMs: 60_000, clock })
  try {
    assert.deepEqual(await idle.count(['Hello world']), [2])
    assert.deepEqual(idle.workers, { loaded: true, started: 1 })
    clock.advance(59_999)
    assert.equal(idle.workers.loaded, true)
    // Work before the idle time is up starts the wait again from its answer.
    assert.deepEqual(await idle.count(['one two three']), [3])
    clock.advance(59_999)
    assert.equal(idle.workers.loaded, true)
    clock.advance(1)
    assert.deepEqual(idle.workers, { loaded: false, started: 1 })
    assert.deepEqual(await idle.count(['Hello world']), [2])
    assert.deepEqual(idle.workers, { loaded: true, started: 2 })
    assert.deepEqual(errors, [])
  } finally {
    await idle.close()
  }
})
