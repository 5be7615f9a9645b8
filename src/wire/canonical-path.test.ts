// canonicalPath: paths that could resolve outside their endpoint are refused; the rest come out in one form.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { canonicalPath, originForm } from './canonical-path.js'

test('ordinary API paths are kept as they are', () => {
  for (const path of ['/v1/chat/completions', '/v1/files/file-abc123', '/v1/models/ft:gpt-4o:org:x', '/v1/', '/healthz', '/']) {
    assert.equal(canonicalPath(path), path)
  }
})

test('dot segments are refused, raw or escaped, in any case and any mix', () => {
  const attacks = [
    '/v1/../../admin',
    '/v1/..',
    '/v1/./models',
    '/v1/.',
    '/v1/%2e%2e/%2e%2e/admin',
    '/v1/%2E%2E/admin',
    '/v1/.%2e/admin',
    '/v1/%2e./admin',
    '/v1/%2E./admin',
    '/v1/%2e/models',
    '/v1/..;/admin',
    '/v1/%2e%2e;x/admin',
  ]
  for (const path of attacks) assert.equal(canonicalPath(path), undefined, path)
})

test('backslashes and escaped slashes, backslashes or percents are refused', () => {
  for (const path of [
    '/v1\\..\\admin',
    '/v1/files\\x',
    '/v1/files%2f..%2fadmin',
    '/v1/files%2F..%2Fadmin',
    '/v1/%5c..%5cadmin',
    '/v1/%5C',
    '/v1/%252e%252e/admin',
    '/v1/a%00b',
  ]) {
    assert.equal(canonicalPath(path), undefined, path)
  }
})

test('malformed escapes, fragments and paths not starting with a slash are refused', () => {
  for (const path of [
    '/v1/%',
    '/v1/%2',
    '/v1/%zz',
    'v1/models',
    'http://example.com/v1/models',
    '*',
    '',
    '/v1/files#/../x',
    '/v1/files#',
  ]) {
    assert.equal(canonicalPath(path), undefined, path)
  }
})

test('names that merely contain dots are not dot segments', () => {
  for (const path of ['/v1/files/a..b', '/v1/files/...', '/v1/files/.hidden', '/v1/models/gpt-4.1']) {
    assert.equal(canonicalPath(path), path)
  }
})

test('escaped unreserved characters are decoded and other escapes upper-cased, so allow/deny see what the upstream sees', () => {
  assert.equal(canonicalPath('/v1/fil%65s'), '/v1/files')
  assert.equal(canonicalPath('/v1/%61udio/transcriptions'), '/v1/audio/transcriptions')
  assert.equal(canonicalPath('/v1/models/a%3ab'), '/v1/models/a%3Ab')
  assert.equal(canonicalPath('/v1/models/%7e%2D'), '/v1/models/~-')
})

test('repeated slashes are merged; a trailing slash is kept', () => {
  assert.equal(canonicalPath('/v1//chat//completions'), '/v1/chat/completions')
  assert.equal(canonicalPath('//v1/models'), '/v1/models')
  assert.equal(canonicalPath('/v1/models/'), '/v1/models/')
})

test('an absolute-form target is reduced to its path and query; any other target is kept as it is', () => {
  assert.equal(originForm('http://gw.example/v1/models?limit=2'), '/v1/models?limit=2')
  assert.equal(originForm('HTTPS://user@gw.example:8443/v1/../admin'), '/v1/../admin')
  assert.equal(originForm('http://gw.example'), '/')
  assert.equal(originForm('http://gw.example?x=1'), '/?x=1')
  for (const target of ['/v1/models', '*', 'v1/models', '//gw.example/v1/models', 'ftp://gw.example/v1/models'])
    assert.equal(originForm(target), target)
})
