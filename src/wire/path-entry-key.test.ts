// pathEntryKey: every spelling an upstream could read as the same path compares equal; other paths do not.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pathEntryKey, pathEntryProblem } from './path-entry-key.js'

test('case, a trailing slash, `;` parameters, escaped letters and repeated slashes make no difference', () => {
  for (const path of [
    '/v1/files',
    '/v1/Files',
    '/V1/FILES',
    '/v1/files/',
    '/v1/files//',
    '/v1/files;x=1',
    '/v1/files;/',
    '/v1/fil%65s',
    '/v1/fil%45s',
    '//v1//files',
  ]) {
    assert.equal(pathEntryKey(path), '/v1/files', path)
  }
})

test('different paths stay different', () => {
  assert.equal(pathEntryKey('/v1/files/file-123'), '/v1/files/file-123')
  assert.notEqual(pathEntryKey('/v1/files/file-123'), pathEntryKey('/v1/files'))
  assert.notEqual(pathEntryKey('/v1/filesx'), pathEntryKey('/v1/files'))
  assert.equal(pathEntryKey('/v1/mod%C3%A9ls'), pathEntryKey('/v1/mod%c3%a9ls'))
  assert.equal(pathEntryKey('/'), '/')
})

test('an entry that can never match a relayed path is named as such', () => {
  for (const entry of ['/v1/files?purpose=batch', '/v1/files#x', '/v1/../admin', '/v1/a%2fb', '/audio/transcriptions', '/V1']) {
    assert.ok(pathEntryProblem(entry), entry)
  }
  for (const entry of ['/v1/files', '/v1/Files/', '/v1/fil%65s', '/v1/files;x']) assert.equal(pathEntryProblem(entry), undefined, entry)
})
