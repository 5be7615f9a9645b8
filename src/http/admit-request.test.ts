// admitRequest: strangers are refused from the head alone unless a noauth upstream could serve the path.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ClientIdentity } from '../auth/authenticate.js'
import { parseConfigText } from '../config/load-config.js'
import { admitRequest, type AdmitInput } from './admit-request.js'

const upstreams = parseConfigText(
  `
authorization: client-key
upstreams:
  - { name: keyed, endpoint: "http://127.0.0.1:1/v1" }
  - { name: audio, endpoint: "http://127.0.0.1:2/v1", noauth: true, allow: [/v1/audio/transcriptions] }
`,
  'test.yaml',
  {},
).config.upstreams

const member: ClientIdentity = { kind: 'key', digest: 'd', fingerprint: 'key-d' }
const stranger: ClientIdentity = { kind: 'anonymous', presentedKey: false }

function admit(overrides: Partial<AdmitInput>): ReturnType<typeof admitRequest> {
  return admitRequest({
    identity: stranger,
    path: '/v1/chat/completions',
    upstreams,
    mayUse: (identity, upstream) => upstream.noauth || identity.kind === 'key',
    isAvailable: () => true,
    maxBodyBytes: 1000,
    maxAnonymousBodyBytes: 10,
    ...overrides,
  })
}

test('a valid key may send up to max_body_size, whatever the path', () => {
  assert.deepEqual(admit({ identity: member }), { kind: 'read', limit: 1000 })
  assert.deepEqual(admit({ identity: member, path: '/v1/files' }), { kind: 'read', limit: 1000 })
})

test('a stranger for a path no noauth upstream serves is refused before the body, with the key message', () => {
  for (const path of ['/v1/chat/completions', '/v1/files', '/v1/files/file-123']) {
    const admission = admit({ path })
    assert.equal(admission.kind, 'refuse', path)
    assert.equal(admission.kind === 'refuse' ? admission.error.code : '', 'invalid_api_key')
  }
  const wrongKey = admit({ identity: { kind: 'anonymous', presentedKey: true } })
  assert.equal(wrongKey.kind === 'refuse' ? wrongKey.error.message : '', 'Incorrect API key provided.')
})

test('a stranger for a path a noauth upstream may serve gets max_anonymous_body_size', () => {
  assert.deepEqual(admit({ path: '/v1/audio/transcriptions' }), { kind: 'read', limit: 10 })
  assert.deepEqual(admit({ path: '/v1/audio/transcriptions', maxBodyBytes: 5 }), { kind: 'read', limit: 5 })
  assert.equal(admit({ path: '/v1/audio/transcriptions', isAvailable: (u) => u.name !== 'audio' }).kind, 'refuse')
})
