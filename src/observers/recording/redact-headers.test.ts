// Request headers as records keep them: the JSON written straight from the headers is the object's JSON, byte for byte.
import assert from 'node:assert/strict'
import type { IncomingHttpHeaders } from 'node:http'
import { test } from 'node:test'
import { redactedHeadersJson, redactHeaders } from './redact-headers.js'

const redact: ReadonlySet<string> = new Set(['authorization', 'cookie', 'x-tenant-token'])

// Lists under any name, and values of other kinds, as an outcome built by hand may hold them.
const cases: Record<string, Record<string, unknown>> = {
  'a few plain headers': { host: '127.0.0.1:8080', 'content-type': 'application/json', authorization: 'x', 'content-length': '10' },
  none: {},
  'secrets, in lists too': { cookie: ['a=1', 'b=2'], 'x-tenant-token': 't-1', 'x-multi': ['a', 'b'], 'x-empty-list': [] },
  'quotes, backslashes, control and non-ASCII characters': { 'user-agent': 'say "hi" \\ \n\u0001 héllo ✓ \ud800', 'x-request-id': '' },
  'names of every token character': { "x-!#$%&'*+.^_`|~09": 'v', 'x--double--dash-': 'w', '-lead': 'x', a: 'y' },
  // Integer-like keys come first both in the headers and in the object.
  'an all-digit name after others': { 'content-type': 'application/json', '123': 'n', '7': 'm' },
  // Upper case maps two names to one canonical key: the object keeps the first one's place and the last one's value.
  'names that differ only in case': { 'x-a': '1', 'content-type': 'json', 'X-A': '2', Authorization: 'secret' },
  'a name mixing digits and letters': { '1x': 'v', x1: 'w' },
  'values that are not strings': { 'x-number': 5, 'x-list': ['a', 7], 'x-undefined': undefined },
}

for (const [what, fields] of Object.entries(cases)) {
  const headers = fields as IncomingHttpHeaders
  test(`written as the redacted headers' JSON: ${what}`, () => {
    // Twice: the second time the names are remembered.
    for (let i = 0; i < 2; i++) assert.equal(redactedHeadersJson(headers, redact), JSON.stringify(redactHeaders(headers, redact)))
  })
}

test("secrets are redacted and names written in Go's canonical form", () => {
  assert.equal(
    redactedHeadersJson({ authorization: 'Bearer sk', 'set-cookie': ['a', 'b'], 'x-request-id': 'r' }, new Set([...redact, 'set-cookie'])),
    '{"Authorization":["[redacted]"],"Set-Cookie":["[redacted]","[redacted]"],"X-Request-Id":["r"]}',
  )
})
