// followedUrl: which Replicate URLs are followed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { followedUrl } from './followed-url.js'

const endpoint = 'https://api.replicate.com/v1'
const allowed = ['api.replicate.com', 'stream.replicate.com']

const table: [url: string, endpoint: string, hosts: string[], followed: { origin: string; path: string } | undefined][] = [
  ['https://api.replicate.com/v1/predictions/p1', endpoint, allowed, { origin: 'https://api.replicate.com', path: '/v1/predictions/p1' }],
  [
    'https://stream.replicate.com/v1/files/abc?x=1',
    endpoint,
    allowed,
    { origin: 'https://stream.replicate.com', path: '/v1/files/abc?x=1' },
  ],
  ['https://evil.example.com/steal', endpoint, allowed, undefined],
  ['https://stream.replicate.com.evil.example.com/x', endpoint, allowed, undefined],
  ['http://stream.replicate.com/x', endpoint, allowed, undefined],
  ['https://user:pw@stream.replicate.com/x', endpoint, allowed, undefined],
  ['ftp://stream.replicate.com/x', endpoint, allowed, undefined],
  ['not a url', endpoint, allowed, undefined],
  // The endpoint's own host and port are always allowed; an http endpoint may be followed over http.
  [
    'http://127.0.0.1:9000/v1/predictions/p1',
    'http://127.0.0.1:9000/v1',
    [],
    { origin: 'http://127.0.0.1:9000', path: '/v1/predictions/p1' },
  ],
  ['https://api.replicate.com:443/v1/predictions/p1', endpoint, [], { origin: 'https://api.replicate.com', path: '/v1/predictions/p1' }],
  // Another port of the endpoint's host is another service: not followed unless allowed_hosts names it.
  ['http://127.0.0.1:9001/v1/predictions/p1', 'http://127.0.0.1:9000/v1', [], undefined],
  ['https://api.replicate.com:8443/v1/predictions/p1', endpoint, [], undefined],
  ['http://127.0.0.1/v1/predictions/p1', 'http://127.0.0.1:9000/v1', [], undefined],
  [
    'http://127.0.0.1:9001/v1/predictions/p1',
    'http://127.0.0.1:9000/v1',
    ['127.0.0.1:9001'],
    { origin: 'http://127.0.0.1:9001', path: '/v1/predictions/p1' },
  ],
  ['http://localhost:9000/v1/predictions/p1', 'http://127.0.0.1:9000/v1', [], undefined],
  // An allowed host with a port allows that port only.
  ['http://localhost:9000/s', 'http://127.0.0.1:9000/v1', ['localhost:9000'], { origin: 'http://localhost:9000', path: '/s' }],
  ['http://localhost:9001/s', 'http://127.0.0.1:9000/v1', ['localhost:9000'], undefined],
  // An allowed host written with its scheme's default port allows the URL that leaves the port out, and only that one.
  ['https://stream.replicate.com/x', endpoint, ['stream.replicate.com:443'], { origin: 'https://stream.replicate.com', path: '/x' }],
  ['http://stream.example:80/x', 'http://127.0.0.1:9000/v1', ['stream.example:80'], { origin: 'http://stream.example', path: '/x' }],
  ['https://stream.replicate.com:8443/x', endpoint, ['stream.replicate.com:443'], undefined],
]

for (const [url, base, hosts, followed] of table) {
  test(`followedUrl(${url}) from ${base} with [${hosts.join(', ')}]`, () => assert.deepEqual(followedUrl(url, base, hosts), followed))
}
