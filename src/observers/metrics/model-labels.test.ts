// ModelLabels: configured models always, seen models up to the bound, and only names fit to be a label.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { maxModelLabelLength, ModelLabels } from './model-labels.js'

test('configured models are labelled without admission and do not count toward the bound', () => {
  const labels = new ModelLabels({ configured: new Set(['gpt-4o']), maxSeen: 1 })
  assert.equal(labels.labelOf('gpt-4o'), 'gpt-4o')
  assert.equal(labels.labelOf('llama-3'), 'other', 'labelOf never adds a label')
  assert.equal(labels.admit('llama-3'), 'llama-3')
  assert.equal(labels.admit('qwen-2'), 'other')
  assert.equal(labels.admit('gpt-4o'), 'gpt-4o')
  assert.equal(labels.labelOf('llama-3'), 'llama-3')
})

test('a bound of 0 labels only configured models', () => {
  const labels = new ModelLabels({ configured: new Set(), maxSeen: 0 })
  assert.equal(labels.admit('llama-3'), 'other')
})

test('names unfit for a label are other and do not use up the bound', () => {
  const labels = new ModelLabels({ configured: new Set(), maxSeen: 100 })
  for (const unfit of [
    '',
    'x'.repeat(maxModelLabelLength + 1),
    'a\rb',
    'a\u0000b',
    'tab\there',
    'del\u007f',
    'c1\u0085',
    'lone\ud800',
    'other',
  ]) {
    assert.equal(labels.admit(unfit), 'other', JSON.stringify(unfit))
  }
  // The text format escapes quotes and backslashes: fine in a label. A newline is a control character.
  for (const fit of ['x'.repeat(maxModelLabelLength), 'q"uote', 'back\\slash', 'emoji \u{1f600}', 'org/model:tag']) {
    assert.equal(labels.admit(fit), fit)
  }
  assert.equal(labels.admit('new\nline'), 'other')
})
