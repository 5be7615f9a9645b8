// Authenticator: which client keys are known, which upstreams each may use, and what an identity keeps of a key.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfigText } from '../config/load-config.js'
import type { UpstreamConfig } from '../config/gateway-config.js'
import { keyDigest, keyFingerprint } from './key-digest.js'
import { Authenticator, extractClientKey } from './authenticate.js'

function upstreamsOf(yaml: string): readonly UpstreamConfig[] {
  return parseConfigText(yaml, 'test.yaml', {}).config.upstreams
}

const upstreams = upstreamsOf(`
authorization: " global-key-one ,global-key-two,  "
upstreams:
  - name: shared
    sk: sk-a
    endpoint: http://127.0.0.1:1/v1
  - name: guests
    sk: sk-b
    endpoint: http://127.0.0.1:2/v1
    authorization: guest-key
  - name: open
    endpoint: http://127.0.0.1:3/v1
    noauth: true
`)
const [shared, guests, open] = upstreams as [UpstreamConfig, UpstreamConfig, UpstreamConfig]

test('extractClientKey strips a Bearer prefix in any case and surrounding blanks', () => {
  assert.equal(extractClientKey('Bearer abc'), 'abc')
  assert.equal(extractClientKey('bearer   abc  '), 'abc')
  assert.equal(extractClientKey('BEARER abc'), 'abc')
  assert.equal(extractClientKey('  abc '), 'abc')
  assert.equal(extractClientKey(undefined), '')
})

test('a Bearer prefix with nothing after it is no key at all', () => {
  assert.equal(extractClientKey('Bearer '), '')
  assert.equal(extractClientKey('bearer'), '')
  assert.deepEqual(new Authenticator(upstreams, []).authenticate('Bearer '), { kind: 'anonymous', presentedKey: false })
})

test('every key of a comma-separated global list is known, blanks around keys ignored', () => {
  const auth = new Authenticator(upstreams, [])
  for (const key of ['global-key-one', 'global-key-two']) {
    const identity = auth.authenticate(`Bearer ${key}`)
    assert.equal(identity.kind, 'key', key)
    assert.equal(auth.mayUse(identity, shared), true, key)
  }
  assert.equal(auth.authenticate('Bearer  global-key-one ').kind, 'key')
})

test("an upstream's own authorization replaces the global list for that upstream only", () => {
  const auth = new Authenticator(upstreams, [])
  const global = auth.authenticate('Bearer global-key-one')
  const guest = auth.authenticate('Bearer guest-key')
  assert.equal(guest.kind, 'key')
  assert.equal(auth.mayUse(global, guests), false)
  assert.equal(auth.mayUse(guest, guests), true)
  assert.equal(auth.mayUse(guest, shared), false)
})

test('noauth upstreams may be used by anyone: no key, an unknown key, any known key', () => {
  const auth = new Authenticator(upstreams, [])
  const none = auth.authenticate(undefined)
  const unknown = auth.authenticate('Bearer who-knows')
  assert.deepEqual(none, { kind: 'anonymous', presentedKey: false })
  // An unknown key is kept only as its fingerprint, so records can tell such requests apart.
  assert.deepEqual(unknown, { kind: 'anonymous', presentedKey: true, fingerprint: keyFingerprint(keyDigest('who-knows')) })
  assert.equal(JSON.stringify(unknown).includes('who-knows'), false)
  for (const identity of [none, unknown, auth.authenticate('Bearer guest-key')]) {
    assert.equal(auth.mayUse(identity, open), true)
    // None of them is on the global list.
    assert.equal(auth.mayUse(identity, shared), false)
  }
})

test('an unknown key is anonymous even when it is a prefix or a case variant of a real key', () => {
  const auth = new Authenticator(upstreams, [])
  for (const header of ['Bearer global-key', 'Bearer GLOBAL-KEY-ONE', 'Bearer global-key-one-and-more', 'Bearer sk-a']) {
    assert.equal(auth.authenticate(header).kind, 'anonymous', header)
  }
})

test('an identity keeps a fingerprint, never the key itself', () => {
  const auth = new Authenticator(upstreams, [])
  const identity = auth.authenticate('Bearer global-key-one')
  assert.equal(identity.kind, 'key')
  if (identity.kind !== 'key') return
  assert.match(identity.fingerprint, /^key-[0-9a-f]{12}$/)
  assert.doesNotMatch(JSON.stringify(identity), /global-key-one/)
  // The same key is the same identity; different keys are told apart.
  assert.deepEqual(auth.authenticate('global-key-one'), identity)
  const other = auth.authenticate('Bearer global-key-two')
  assert.notEqual(other.kind === 'key' ? other.fingerprint : '', identity.fingerprint)
})

// ---- Named keys ----

const namedConfig = parseConfigText(
  `
authorization: old-key
upstreams:
  - name: main
    sk: sk-a
    endpoint: http://127.0.0.1:1/v1
  - name: guests
    sk: sk-b
    endpoint: http://127.0.0.1:2/v1
    authorization: guest-key
  - name: open
    endpoint: http://127.0.0.1:3/v1
    noauth: true
keys:
  - { name: alice, key: alice-key, upstreams: [main] }
  - { name: bob, key_sha256: "${keyDigest('bob-key')}", rpm: 5 }
`,
  'test.yaml',
  {},
).config
const [main, guestsOnly, openToAll] = namedConfig.upstreams as [UpstreamConfig, UpstreamConfig, UpstreamConfig]

test('a named key is an identity carrying its name, models, upstreams and limits, frozen, without the key', () => {
  const auth = new Authenticator(namedConfig.upstreams, namedConfig.keys)
  const alice = auth.authenticate('Bearer alice-key')
  assert.equal(alice.kind, 'key')
  if (alice.kind !== 'key') return
  assert.equal(alice.digest, keyDigest('alice-key'))
  assert.equal(alice.fingerprint, keyFingerprint(keyDigest('alice-key')))
  assert.equal(alice.named, namedConfig.keys[0])
  assert.ok(Object.isFrozen(alice))
  assert.doesNotMatch(JSON.stringify(alice), /alice-key/)
  // key_sha256: the file held only the digest, and the key it is of is accepted.
  const bob = auth.authenticate('bob-key')
  assert.equal(bob.kind === 'key' ? bob.named?.name : undefined, 'bob')
  assert.equal(bob.kind === 'key' ? bob.named?.limits.rpm : undefined, 5)
  // The predecessor's keys stay unnamed.
  const old = auth.authenticate('Bearer old-key')
  assert.equal(old.kind === 'key' ? old.named : 'not a key', undefined)
})

test("a named key may use the upstreams it lists, or every one, whatever an upstream's authorization or noauth says", () => {
  const auth = new Authenticator(namedConfig.upstreams, namedConfig.keys)
  const alice = auth.authenticate('Bearer alice-key')
  const bob = auth.authenticate('Bearer bob-key')
  assert.deepEqual(
    namedConfig.upstreams.map((upstream) => auth.mayUse(alice, upstream)),
    [true, false, false],
  )
  assert.deepEqual(
    namedConfig.upstreams.map((upstream) => auth.mayUse(bob, upstream)),
    [true, true, true],
  )
  // Unchanged for the predecessor's keys and for keyless clients.
  const old = auth.authenticate('Bearer old-key')
  const guest = auth.authenticate('Bearer guest-key')
  const none = auth.authenticate(undefined)
  assert.deepEqual([auth.mayUse(old, main), auth.mayUse(old, guestsOnly), auth.mayUse(old, openToAll)], [true, false, true])
  assert.deepEqual([auth.mayUse(guest, main), auth.mayUse(guest, guestsOnly)], [false, true])
  assert.deepEqual([auth.mayUse(none, main), auth.mayUse(none, openToAll)], [false, true])
})
