// parseListenAddress: the Go address forms the predecessor's `address:` accepted.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatListenAddress, parseListenAddress } from './listen-address.js'

test('accepts :port, host:port, [ipv6]:port and port 0', () => {
  assert.deepEqual(parseListenAddress(':8888'), { host: '', port: 8888 })
  assert.deepEqual(parseListenAddress('127.0.0.1:9000'), { host: '127.0.0.1', port: 9000 })
  assert.deepEqual(parseListenAddress('[::1]:8888'), { host: '::1', port: 8888 })
  assert.deepEqual(parseListenAddress('localhost:0'), { host: 'localhost', port: 0 })
  assert.deepEqual(parseListenAddress('[::]:80'), { host: '::', port: 80 })
})

test('refuses a missing port, a bare IPv6 host, a port above 65535 and junk', () => {
  for (const text of ['8888', 'localhost', '::1:8888', ':65536', ':-1', 'a b:80', '[localhost]:80', 'http://x:80', '']) {
    assert.equal(parseListenAddress(text), undefined, text)
  }
})

test('formats back with brackets around IPv6 hosts', () => {
  assert.equal(formatListenAddress({ host: '::1', port: 8888 }), '[::1]:8888')
  assert.equal(formatListenAddress({ host: '', port: 8888 }), ':8888')
  assert.equal(formatListenAddress({ host: '127.0.0.1', port: 1 }), '127.0.0.1:1')
})
