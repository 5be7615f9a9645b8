// The `records:` section and `dbaddr` checks: defaults matching the predecessor, units, redaction list, errors.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from './config-error.js'
import { parseConfigText } from './load-config.js'

const load = (text: string) => parseConfigText(text, 'config.yaml', {}).config

test('without a records section: bodies, responses and headers stored, capped at 128 KiB, kept forever', () => {
  const { records } = load('upstreams: []\n')
  assert.deepEqual(records, {
    storeRequestBody: true,
    storeResponse: true,
    storeHeaders: true,
    maxStoredBytes: 128 * 1024,
    redactHeaders: ['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie', 'set-cookie'],
    retentionDays: 0,
    queueSize: 10_000,
    queueBytes: 64 * 1024 * 1024,
    batchSize: 200,
    flushIntervalMs: 1000,
    spillDir: undefined,
    spillBytes: 1024 * 1024 * 1024,
  })
})

test('records keys map into the domain config; redact_headers adds to the fixed list, lower-cased', () => {
  const { records } = load(
    [
      'records:',
      '  store_request_body: false',
      '  store_response: false',
      '  max_stored_size: 4KiB',
      '  redact_headers: [X-Tenant-Token, authorization]',
      '  retention_days: 30',
      '  queue_size: 50',
      '  queue_bytes: 1MiB',
      '  batch_size: 10',
      '  flush_interval: 0.25',
      '',
    ].join('\n'),
  )
  assert.equal(records.storeRequestBody, false)
  assert.equal(records.storeResponse, false)
  assert.equal(records.maxStoredBytes, 4096)
  assert.ok(records.redactHeaders.includes('x-tenant-token'))
  assert.equal(records.redactHeaders.filter((name) => name === 'authorization').length, 1)
  assert.equal(records.retentionDays, 30)
  assert.equal(records.queueSize, 50)
  assert.equal(records.queueBytes, 1024 * 1024)
  assert.equal(records.batchSize, 10)
  assert.equal(records.flushIntervalMs, 250)
})

test('records problems are reported at their keys', () => {
  assert.throws(
    () => load('records:\n  batch_size: 5000\n  redact_headers: ["bad header"]\n  retension_days: 3\n'),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.match(error.message, /config\.yaml:2:\d+ records\.batch_size: must be at most 500/)
      assert.match(error.message, /records\.redact_headers\[0\]: expected an HTTP header name/)
      assert.match(error.message, /records\.retension_days: unknown key/)
      return true
    },
  )
})

test('dbtype postgres needs a PostgreSQL address, not the SQLite default', () => {
  assert.throws(() => load('dbtype: postgres\n'), /dbaddr: expected a libpq string/)
  assert.equal(load('dbtype: postgres\ndbaddr: "host=127.0.0.1 user=postgres dbname=x sslmode=disable"\n').dbType, 'postgres')
  assert.equal(load('dbtype: postgres\ndbaddr: postgres://postgres@127.0.0.1/x\n').dbAddr, 'postgres://postgres@127.0.0.1/x')
})
