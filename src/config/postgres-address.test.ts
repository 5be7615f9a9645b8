// parsePostgresAddress: the predecessor's libpq key=value DSNs and postgres:// URLs into one connection shape.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parsePostgresAddress } from './postgres-address.js'

test('the predecessor README DSN', () => {
  assert.deepEqual(
    parsePostgresAddress('host=127.0.0.1 port=5432 user=postgres dbname=openai_api_route sslmode=disable password=woshimima'),
    {
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      password: 'woshimima',
      database: 'openai_api_route',
      ssl: false,
      connectTimeoutMs: undefined,
      applicationName: undefined,
      settings: {},
    },
  )
})

test('libpq quoting: blanks around =, quoted values with escapes, empty values', () => {
  const address = parsePostgresAddress(" host = db.internal  password='it''s' user='a b\\'c' dbname=x\\ y application_name=''")
  assert.equal(address, undefined, 'a doubled quote is not libpq syntax')
  const ok = parsePostgresAddress(" host = db.internal  password='p\\'w d' user='a b' dbname=x\\ y application_name=''")
  assert.ok(ok)
  assert.equal(ok.host, 'db.internal')
  assert.equal(ok.password, "p'w d")
  assert.equal(ok.user, 'a b')
  assert.equal(ok.database, 'x y')
  assert.equal(ok.applicationName, '')
})

test('sslmode: require skips verification, verify-* verifies, prefer/allow/disable are plain TCP', () => {
  assert.deepEqual(parsePostgresAddress('host=h sslmode=require')?.ssl, { rejectUnauthorized: false })
  assert.deepEqual(parsePostgresAddress('host=h sslmode=verify-full')?.ssl, { rejectUnauthorized: true })
  assert.equal(parsePostgresAddress('host=h sslmode=prefer')?.ssl, false)
  assert.equal(parsePostgresAddress('host=h sslmode=bogus'), undefined)
})

test('GORM-style extra keys become server settings', () => {
  assert.deepEqual(parsePostgresAddress('host=h TimeZone=Asia/Shanghai')?.settings, { TimeZone: 'Asia/Shanghai' })
})

test('connect_timeout in seconds, at least 2 as libpq rounds it; 0 waits forever', () => {
  assert.equal(parsePostgresAddress('host=h connect_timeout=1')?.connectTimeoutMs, 2000)
  assert.equal(parsePostgresAddress('host=h connect_timeout=10')?.connectTimeoutMs, 10_000)
  assert.equal(parsePostgresAddress('host=h connect_timeout=0')?.connectTimeoutMs, undefined)
  assert.equal(parsePostgresAddress('host=h connect_timeout=soon'), undefined)
})

test('postgres:// and postgresql:// URLs, percent-encoded parts and query options', () => {
  const address = parsePostgresAddress('postgresql://us%40er:p%2Fw@db.example:6543/records%20db?sslmode=require&application_name=gw')
  assert.ok(address)
  assert.equal(address.user, 'us@er')
  assert.equal(address.password, 'p/w')
  assert.equal(address.host, 'db.example')
  assert.equal(address.port, 6543)
  assert.equal(address.database, 'records db')
  assert.deepEqual(address.ssl, { rejectUnauthorized: false })
  assert.equal(address.applicationName, 'gw')
  assert.equal(parsePostgresAddress('postgres://[::1]/x')?.host, '::1')
})

test('not an address: a file path, garbage, a bad port', () => {
  assert.equal(parsePostgresAddress('./db.sqlite'), undefined)
  assert.equal(parsePostgresAddress(''), undefined)
  assert.equal(parsePostgresAddress('host=h port=99999'), undefined)
  assert.equal(parsePostgresAddress("host='unterminated"), undefined)
})
