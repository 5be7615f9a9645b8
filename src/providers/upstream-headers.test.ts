// Upstream request headers: what the client's request contributes, and each credential scheme.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { upstreamFrom } from '../../tests/helpers/recording-sink.js'
import { bearerAuthorization, buildTranslatedHeaders, buildUpstreamHeaders } from './upstream-headers.js'

const client = {
  'content-type': 'application/json',
  accept: 'text/event-stream',
  authorization: 'Bearer client',
  'x-api-key': 'secret',
  'user-agent': 'ua',
  host: 'gw',
}

test('pass-through: default headers, or every non-secret one with keep_header; the key as a bearer token', () => {
  assert.deepEqual(buildUpstreamHeaders(client, upstreamFrom('sk: up'), 'r'), [
    'content-type',
    'application/json',
    'accept',
    'text/event-stream',
    'authorization',
    'Bearer up',
    'accept-encoding',
    'identity',
    'x-request-id',
    'r',
  ])
  assert.deepEqual(buildUpstreamHeaders(client, upstreamFrom('sk: up', 'keep_header: true'), 'r'), [
    'content-type',
    'application/json',
    'accept',
    'text/event-stream',
    'user-agent',
    'ua',
    'authorization',
    'Bearer up',
    'accept-encoding',
    'identity',
    'x-request-id',
    'r',
  ])
})

test('translated: only the adapter own headers, plus non-replaced client headers with keep_header', () => {
  const own = ['content-type', 'application/json', 'anthropic-version', 'v']
  assert.deepEqual(buildTranslatedHeaders({ headers: client, requestId: 'r' }, upstreamFrom('sk: up'), own, bearerAuthorization), [
    ...own,
    'authorization',
    'Bearer up',
    'accept-encoding',
    'identity',
    'x-request-id',
    'r',
  ])
  assert.deepEqual(
    buildTranslatedHeaders({ headers: client, requestId: 'r' }, upstreamFrom('sk: up', 'keep_header: true'), own, bearerAuthorization),
    ['user-agent', 'ua', ...own, 'authorization', 'Bearer up', 'accept-encoding', 'identity', 'x-request-id', 'r'],
  )
})

test('asis forwards the client Authorization; no sk sends none', () => {
  assert.deepEqual(bearerAuthorization({ kind: 'client' }, 'Bearer c'), ['authorization', 'Bearer c'])
  assert.deepEqual(bearerAuthorization({ kind: 'none' }, 'Bearer c'), [])
})

test("an endpoint's user:password is sent as HTTP Basic credentials when nothing else sets Authorization", () => {
  const basic = `Basic ${Buffer.from('gw user:p@ss/word').toString('base64')}`
  const endpoint = 'endpoint: http://gw%20user:p%40ss%2Fword@127.0.0.1:9000/v1'
  assert.deepEqual(buildUpstreamHeaders({}, upstreamFrom(endpoint), 'r'), [
    'authorization',
    basic,
    'accept-encoding',
    'identity',
    'x-request-id',
    'r',
  ])
  // The key's own Authorization wins; Anthropic's x-api-key leaves room for Basic (a proxy in front).
  assert.deepEqual(buildUpstreamHeaders({}, upstreamFrom(endpoint, 'sk: up'), 'r'), [
    'authorization',
    'Bearer up',
    'accept-encoding',
    'identity',
    'x-request-id',
    'r',
  ])
  const apiKey = (): string[] => ['x-api-key', 'up']
  assert.deepEqual(buildTranslatedHeaders({ headers: {}, requestId: 'r' }, upstreamFrom(endpoint, 'sk: up'), [], apiKey), [
    'x-api-key',
    'up',
    'authorization',
    basic,
    'accept-encoding',
    'identity',
    'x-request-id',
    'r',
  ])
})
