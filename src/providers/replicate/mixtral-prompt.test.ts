// mixtralPrompt: the predecessor's prompt template, as a table.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mixtralPrompt, type PromptMessage } from './mixtral-prompt.js'

const table: [name: string, messages: PromptMessage[], prompt: string][] = [
  ['one user turn', [{ role: 'user', text: 'Hi' }], '<s> [INST] Hi [/INST] '],
  [
    'system text is prefixed to the next user turn',
    [
      { role: 'system', text: 'Be brief.' },
      { role: 'user', text: 'Hi' },
    ],
    '<s> [INST] Be brief.\n\nHi [/INST] ',
  ],
  [
    'each exchange is one <s>...</s>, the last user turn stays open',
    [
      { role: 'user', text: 'a' },
      { role: 'assistant', text: 'b' },
      { role: 'user', text: 'c' },
    ],
    '<s> [INST] a [/INST] b </s><s> [INST] c [/INST] ',
  ],
  [
    'consecutive user turns join',
    [
      { role: 'user', text: 'a' },
      { role: 'user', text: 'b' },
    ],
    '<s> [INST] a\n\nb [/INST] ',
  ],
  [
    'a conversation ending with the assistant leaves nothing open',
    [
      { role: 'user', text: 'a' },
      { role: 'assistant', text: 'b' },
    ],
    '<s> [INST] a [/INST] b </s>',
  ],
  ['system text alone is still an instruction', [{ role: 'system', text: 'Say hi.' }], '<s> [INST] Say hi. [/INST] '],
]

for (const [name, messages, prompt] of table) {
  test(`mixtralPrompt: ${name}`, () => assert.equal(mixtralPrompt(messages), prompt))
}
