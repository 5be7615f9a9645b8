// scanJsonObject: accepts exactly the objects JSON.parse accepts and finds the last top-level occurrence of a member.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { scanJsonObject, scanJsonObjectInSlices } from './scan-json-object.js'

const scan = (text: string, wanted: readonly string[] = ['model', 'stream']) => scanJsonObject(Buffer.from(text), wanted)
const valueOf = (text: string, key: string): string | undefined => {
  const span = scan(text, [key])?.fields.get(key)
  return span === undefined ? undefined : Buffer.from(text).toString('utf8', span.start, span.end)
}

test('it agrees with JSON.parse on what is a JSON object (raw control characters in strings aside)', () => {
  const cases = [
    '{}',
    ' {"a":1} ',
    '{"a":[1,2,{"b":null}],"c":"x"}',
    '{"a":-0.5e+10,"b":true,"c":false}',
    '{"a":"\\u00e9\\n\\"\\\\\\/"}',
    '{"a":1,}',
    '{"a" 1}',
    '{"a":01}',
    '{"a":1.}',
    '{"a":.5}',
    '{"a":tru}',
    '{"a":"x',
    '{"a":"\\x"}',
    '{"a":"\\u12g4"}',
    '{"a":[1,]}',
    '{"a":[}',
    '{"a":{]}',
    '[{"a":1}]',
    '"{}"',
    '{} {}',
    '{"a":1}x',
    '\ufeff{}',
    '{"a":-}',
    '{"a":1e}',
    '{"a":NaN}',
    '{"a":[[[[]]]]}',
    '{"a":{"b":{"c":{}}}}',
    '{,}',
    '{"a":1 "b":2}',
    '{"a":nulls}',
    '',
    '   ',
    '{',
    '}',
  ]
  for (const text of cases) {
    let parses: boolean
    try {
      const value: unknown = JSON.parse(text)
      parses = typeof value === 'object' && value !== null && !Array.isArray(value)
    } catch {
      parses = false
    }
    assert.equal(scan(text) !== undefined, parses, text)
  }
})

test('top-level members are found with their exact bytes; nested ones are not', () => {
  const text = '{"messages":[{"model":"inner","stream":true}], "model" : "gpt-4o" ,"stream":true,"o":{"stream":false}}'
  assert.equal(valueOf(text, 'model'), '"gpt-4o"')
  assert.equal(valueOf(text, 'stream'), 'true')
  assert.equal(valueOf('{"a":{"x":[1,{"y":2}]},"b":[]}', 'a'), '{"x":[1,{"y":2}]}')
  assert.equal(valueOf('{"a":{"x":[1,{"y":2}]},"b":[]}', 'b'), '[]')
  assert.equal(valueOf('{"a":-1.5e3}', 'a'), '-1.5e3')
})

test('a duplicate member: the last one counts, as in JSON.parse', () => {
  assert.equal(valueOf('{"model":"a","model":"b"}', 'model'), '"b"')
  assert.equal(valueOf('{"stream":true,"stream":false}', 'stream'), 'false')
})

test('escaped keys are compared unescaped', () => {
  assert.equal(valueOf('{"mod\\u0065l":"x"}', 'model'), '"x"')
  assert.equal(valueOf('{"model\\u0000":"x"}', 'model'), undefined)
})

test('open, close and emptiness of the object are reported', () => {
  const result = scan('  {"a":1}  ')
  assert.equal(result?.open, 2)
  assert.equal(result?.close, 8)
  assert.equal(result?.empty, false)
  assert.equal(scan(' { } ')?.empty, true)
})

test('millions of nested brackets are scanned without recursion, and their depth reported', () => {
  const depth = 4_000_000
  const body = Buffer.concat([Buffer.from('{"model":"deep","x":'), Buffer.alloc(depth, '['), Buffer.alloc(depth, ']'), Buffer.from('}')])
  const result = scanJsonObject(body, ['model'])
  assert.equal(result?.maxDepth, depth + 1)
  assert.equal(body.toString('utf8', result?.fields.get('model')?.start, result?.fields.get('model')?.end), '"deep"')
  const unbalanced = Buffer.concat([Buffer.from('{"x":'), Buffer.alloc(depth, '[')])
  assert.equal(scanJsonObject(unbalanced, ['model']), undefined)
})

test('a range of a larger buffer can be scanned on its own', () => {
  const text = Buffer.from('{"stream_options":{"include_usage":false,"x":1},"model":"m"}')
  const outer = scanJsonObject(text, ['stream_options'])
  const span = outer?.fields.get('stream_options')
  assert.ok(span)
  const inner = scanJsonObject(text, ['include_usage'], span.start, span.end)
  const usage = inner?.fields.get('include_usage')
  assert.equal(text.toString('utf8', usage?.start, usage?.end), 'false')
})

test('a body scanned in slices gives the same answer, a slice per event-loop turn', async () => {
  const text = Buffer.from(`{"a":[${'{"b":"x\\"y"},'.repeat(5000)}1],"model":"sliced","stream":true}`)
  const whole = scanJsonObject(text, ['model', 'stream'])
  let turns = 0
  const counting = setInterval(() => turns++, 0)
  const sliced = await scanJsonObjectInSlices(text, ['model', 'stream'], 1024)
  clearInterval(counting)
  assert.deepEqual(sliced, whole)
  assert.equal(await scanJsonObjectInSlices(Buffer.from('{"a":[}'), ['model'], 2), undefined)
})

test('strings full of escapes, escaped quotes among them, are read in one pass', () => {
  const pieces = ['\\n', 'a', '\\"', 'b', '\\\\', '\\u00e9']
  let inner = ''
  for (let i = 0; i < 200_000; i++) inner += pieces[i % pieces.length]
  const text = `{"x":"${inner}","model":"after"}`
  assert.equal(valueOf(text, 'model'), '"after"')
  assert.equal((JSON.parse(text) as { x: string }).x.length > 0, true)
  assert.equal(valueOf('{"a":"\\\\","model":"m"}', 'model'), '"m"')
  assert.equal(valueOf('{"a":"\\\\\\"","model":"m"}', 'model'), '"m"')
  assert.equal(scan('{"a":"\\\\\\"}'), undefined)
})

test('arrays and objects nested past 32 levels are told apart at every level, as JSON.parse does', () => {
  // Mixed nesting that crosses the depth where the scanner's bit stack moves from one number to bytes.
  for (const depth of [31, 32, 33, 40, 70]) {
    const opens: string[] = []
    const closes: string[] = []
    for (let d = 0; d < depth; d++) {
      const array = d % 3 === 1
      opens.push(array ? '[' : '{"k":')
      closes.unshift(array ? ']' : '}')
    }
    const good = `{"model":"m","x":${opens.join('')}1${closes.join('')}}`
    assert.equal(scan(good)?.maxDepth, depth + 1, `depth ${depth}`)
    assert.doesNotThrow(() => JSON.parse(good))
    // The same with one closing bracket of the wrong kind, at each level in turn.
    for (let wrong = 0; wrong < depth; wrong++) {
      const bad = closes.map((c, i) => (i === wrong ? (c === ']' ? '}' : ']') : c))
      const text = `{"model":"m","x":${opens.join('')}1${bad.join('')}}`
      assert.equal(scan(text), undefined, `depth ${depth}, wrong closer at ${wrong}`)
      assert.throws(() => JSON.parse(text))
    }
  }
})

test('only the wanted keys are matched, byte for byte, escaped or not', () => {
  assert.deepEqual([...(scan('{"modelx":1,"mode":2,"stream":3,"Model":4}')?.fields.keys() ?? [])], ['stream'])
  assert.deepEqual([...(scan('{"m\\u006fdel":"a","str\\u0065am":true}')?.fields.keys() ?? [])], ['model', 'stream'])
  assert.deepEqual([...(scan('{"mod\\"el":1,"é":2}')?.fields.keys() ?? [])], [])
})
