import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileGlob, globProblem } from './model-glob.js'

test('* matches any run, ? one character, and everything else only itself', () => {
  assert.equal(compileGlob('gpt-4o*')('gpt-4o-mini'), true)
  assert.equal(compileGlob('gpt-4o*')('gpt-4'), false)
  assert.equal(compileGlob('gpt-4?')('gpt-4o'), true)
  assert.equal(compileGlob('gpt-4?')('gpt-4oo'), false)
  // The dot is a dot, not any character.
  assert.equal(compileGlob('claude-3.5*')('claude-3x5-sonnet'), false)
  assert.equal(compileGlob('fast')('fast'), true)
  assert.equal(compileGlob('fast')('faster'), false)
  assert.equal(compileGlob('org/*')('org/llama'), true)
})

test('an empty pattern or one with characters no model name has is a problem', () => {
  assert.equal(globProblem('gpt-4o*'), undefined)
  assert.match(globProblem('') ?? '', /empty/)
  assert.match(globProblem('gpt-[4]o') ?? '', /character/)
})
