// One contract suite for the records store, run against SQLite and against the machine's PostgreSQL.
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { createTestDatabase, postgresSkipReason } from '../../../tests/helpers/postgres-test-database.js'
import { alwaysRedactedHeaders } from '../../config/records-schema.js'
import { createLogger, type Logger } from '../../log/logger.js'
import type { RecordDialect } from './record-dialect.js'
import type { RecordRow } from './record-row.js'
import { RecordStoreThread } from './record-store-thread.js'
import { RecordStore } from './record-store.js'
import { openSqliteFile } from './sqlite-file.js'

interface Target {
  readonly dialect: RecordDialect
  readonly address: string
  /** Runs SQL outside the store, as another program (or the predecessor) would. */
  raw(statement: string): Promise<void>
  /** Every byte the database keeps for this data set, as text (SQLite: the files; PostgreSQL: every row). */
  everything(): Promise<string>
  cleanup(): Promise<void>
}

const quiet = createLogger({ level: 'silent' })
const postgresSkip = await postgresSkipReason()
const dirs: string[] = []
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function sqliteTarget(): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'records-contract-'))
  dirs.push(dir)
  const file = join(dir, 'db.sqlite')
  return {
    dialect: 'sqlite',
    address: file,
    async raw(statement) {
      const db = openSqliteFile(file)
      try {
        db.prepare(statement).run([])
      } finally {
        db.close()
      }
    },
    async everything() {
      const names = await readdir(dir)
      const contents = await Promise.all(names.map((name) => readFile(join(dir, name))))
      return Buffer.concat(contents).toString('latin1')
    },
    cleanup: async () => {},
  }
}

async function postgresTarget(): Promise<Target> {
  const database = await createTestDatabase()
  return {
    dialect: 'postgres',
    address: database.url,
    raw: async (statement) => {
      await database.query(statement)
    },
    async everything() {
      const rows = await database.query('select row_to_json(r)::text as line from records r')
      return rows.map((row) => String(row['line'])).join('\n')
    },
    cleanup: () => database.drop(),
  }
}

function openStore(target: Target, logSql = false, logs: string[] = []): RecordStoreThread {
  const logger = logSql ? createLogger({ level: 'debug', write: (line) => logs.push(line) }) : quiet
  return RecordStoreThread.open({ dialect: target.dialect, address: target.address, logger, logSql, redactHeaders: alwaysRedactedHeaders })
}

let uid = 0
function sampleRow(overrides: Partial<RecordRow> = {}): RecordRow {
  uid++
  return {
    recordUid: `uid-${uid}-${Math.random().toString(36).slice(2)}`,
    requestId: `req-${uid}`,
    createdAt: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
    hostname: 'gw-1',
    method: 'POST',
    path: '/v1/chat/completions',
    clientIp: '127.0.0.1',
    userAgent: 'OpenAI/JS 6.30.1',
    clientKey: 'key-0123456789ab',
    model: 'gpt-4o',
    stream: true,
    upstream: 'primary',
    upstreamEndpoint: 'http://127.0.0.1:9/v1',
    upstreamKey: 'key-ba9876543210',
    upstreamModel: 'gpt-4o-2024-11-20',
    attempts: [
      { upstream: 'first', outcome: 'failed', status: 500, error_code: 'upstream_status', duration_ms: 12.5 },
      { upstream: 'primary', outcome: 'ok', status: 200, error_code: null, duration_ms: 40.25 },
    ],
    status: 200,
    errorCode: null,
    firstByteMs: 20.5,
    totalMs: 52.75,
    bytesIn: 123,
    bytesOut: 4567,
    promptTokens: 11,
    completionTokens: 7,
    totalTokens: 18,
    usageSource: 'reported',
    requestBody: '{"model":"gpt-4o","messages":[{"role":"user","content":"héllo ✓"}]}',
    response: 'Hi there ✓',
    headers: '{"Content-Type":["application/json"],"Authorization":["[redacted]"]}',
    keyName: 'alice',
    costUsd: 0.0000123,
    ...overrides,
  }
}

const predecessorTable: Record<RecordDialect, string> = {
  // What GORM's AutoMigrate of the predecessor's Record struct creates.
  sqlite:
    'CREATE TABLE `records` (`id` integer PRIMARY KEY AUTOINCREMENT,`hostname` text,`upstream_endpoint` text,`upstream_sk` text,`created_at` datetime,' +
    '`ip` text,`body` text,`model` text,`response` text,`response_time` integer,`elapsed_time` integer,`status` integer,`authorization` text,`user_agent` text,`headers` text)',
  postgres:
    'CREATE TABLE "records" ("id" bigserial,"hostname" text,"upstream_endpoint" text,"upstream_sk" text,"created_at" timestamptz,"ip" text,"body" text,"model" text,' +
    '"response" text,"response_time" bigint,"elapsed_time" bigint,"status" bigint,"authorization" text,"user_agent" text,"headers" text,PRIMARY KEY ("id"))',
}

const oldClientKey = 'sk-client-OLD-secret-0123456789'
const oldUpstreamKey = 'sk-upstream-OLD-secret-9876543210'

function predecessorRow(target: Target, ipSuffix: number): string {
  const created = target.dialect === 'sqlite' ? "'2024-05-01 10:00:00.123456789+08:00'" : "'2024-05-01 10:00:00.123456+08:00'"
  const headers = JSON.stringify({
    Authorization: [`Bearer ${oldClientKey}`],
    'Content-Type': ['application/json'],
    'User-Agent': ['curl/8'],
  })
  return (
    'INSERT INTO records (hostname, upstream_endpoint, upstream_sk, created_at, ip, body, model, response, response_time, elapsed_time, status, "authorization", user_agent, headers) ' +
    `VALUES ('old-host', 'https://api.openai.com/v1', '${oldUpstreamKey}', ${created}, '10.0.0.${ipSuffix}', '{"model":"gpt-3.5-turbo"}', 'gpt-3.5-turbo', 'old answer', ` +
    `1500000000, 3000000000, 200, 'Bearer ${oldClientKey}', 'curl/8', '${headers}')`
  )
}

const uniqueViolation: Record<RecordDialect, string> = { sqlite: 'SQLITE_CONSTRAINT_UNIQUE', postgres: '23505' }

const targets: Array<{ dialect: RecordDialect; make: () => Promise<Target>; skip: string | false }> = [
  { dialect: 'sqlite', make: sqliteTarget, skip: false },
  { dialect: 'postgres', make: postgresTarget, skip: postgresSkip },
]

for (const { dialect, make, skip } of targets) {
  describe(`records store contract: ${dialect}`, { skip }, () => {
    const withStore = async (body: (store: RecordStoreThread, target: Target) => Promise<void>): Promise<void> => {
      const target = await make()
      const store = openStore(target)
      try {
        await body(store, target)
      } finally {
        await store.close()
        await target.cleanup()
      }
    }

    test('a fresh database gets every migration once', () =>
      withStore(async (store) => {
        assert.deepEqual((await store.prepare()).applied, [
          '0001_predecessor_records',
          '0002_request_columns',
          '0003_upstream_model',
          '0004_key_spend',
        ])
        assert.deepEqual((await store.prepare()).applied, [])
        assert.equal(await store.count(), 0)
      }))

    test('a row reads back with every field as written', () =>
      withStore(async (store) => {
        await store.prepare()
        const row = sampleRow()
        const bare = sampleRow({
          stream: false,
          upstream: null,
          upstreamEndpoint: '',
          upstreamKey: '',
          upstreamModel: null,
          attempts: [],
          firstByteMs: null,
          errorCode: 'client_closed',
          status: 499,
          promptTokens: null,
          completionTokens: null,
          totalTokens: null,
          usageSource: null,
          requestBody: '',
          response: '',
          headers: '',
          keyName: null,
          costUsd: null,
        })
        await store.insert([row, bare])
        const [first, second] = await store.read()
        assert.ok(first && second)
        const { id, responseTimeNs, elapsedTimeNs, ...fields } = first
        assert.ok(id > 0)
        assert.deepEqual(fields, row)
        assert.equal(responseTimeNs, 20_500_000)
        assert.equal(elapsedTimeNs, 52_750_000)
        assert.equal(second.stream, false)
        assert.equal(second.firstByteMs, null)
        assert.equal(second.responseTimeNs, null)
        assert.equal(second.promptTokens, null)
        assert.deepEqual(second.attempts, [])
        assert.equal(second.keyName, null)
        assert.equal(second.costUsd, null)
        assert.ok(second.id > first.id)
      }))

    test('batches written one after another each store their own values, though the INSERT is compiled once', () =>
      withStore(async (store) => {
        await store.prepare()
        const first = [sampleRow({ model: 'm-1', stream: false }), sampleRow({ model: 'm-2', firstByteMs: null })]
        const second = [sampleRow({ model: 'm-3', usageSource: 'estimated' }), sampleRow({ model: 'm-4', upstream: null })]
        await store.insert(first)
        await store.insert(second)
        const rows = await store.read()
        assert.deepEqual(
          rows.map(({ id, responseTimeNs, elapsedTimeNs, ...fields }) => fields),
          [...first, ...second],
        )
      }))

    test('a batch written twice (a retry after a lost acknowledgement) is stored once', () =>
      withStore(async (store) => {
        await store.prepare()
        const batch = [sampleRow(), sampleRow(), sampleRow()]
        await store.insert(batch)
        await store.insert([...batch, sampleRow()])
        assert.equal(await store.count(), 4)
      }))

    test('a batch that repeats a stored row (same record_uid) stores the others and leaves the stored row as it was', () =>
      withStore(async (store) => {
        await store.prepare()
        const stored = sampleRow({ model: 'first-write' })
        await store.insert([stored])
        const before = sampleRow()
        const after = sampleRow()
        await store.insert([before, { ...stored, model: 'second-write' }, after])
        assert.deepEqual(
          (await store.read()).map((row) => [row.recordUid, row.model]),
          [
            [stored.recordUid, 'first-write'],
            [before.recordUid, before.model],
            [after.recordUid, after.model],
          ],
        )
      }))

    test('a batch with a row the database refuses stores none of its rows, and the next batch is stored', () =>
      withStore(async (store, target) => {
        await store.prepare()
        // A constraint the store knows nothing of (an operator's index, say): the third row breaks it.
        await target.raw('CREATE UNIQUE INDEX records_request_id_once ON records (request_id)')
        const refused = [sampleRow({ requestId: 'twice' }), sampleRow(), sampleRow({ requestId: 'twice' }), sampleRow()]
        await assert.rejects(store.insert(refused), { name: 'RecordStoreError', code: uniqueViolation[dialect] })
        assert.equal(await store.count(), 0)
        await store.insert([sampleRow(), sampleRow()])
        assert.equal(await store.count(), 2)
      }))

    test('an insert made while secret scrubbing holds its transaction open is not part of it', async () => {
      const target = await make()
      try {
        await target.raw(predecessorTable[dialect])
        // Two predecessor rows whose keys scrub to one fingerprint: with authorization unique, the scrub's second
        // UPDATE fails and its transaction rolls back.
        await target.raw(predecessorRow(target, 1))
        await target.raw(predecessorRow(target, 2).replace(`'Bearer ${oldClientKey}'`, `'${oldClientKey}'`))
        await target.raw('CREATE UNIQUE INDEX records_authorization_once ON records ("authorization")')
        const inserted = [sampleRow({ clientKey: 'key-00000000000a' }), sampleRow({ clientKey: 'key-00000000000b' })]
        let insertion: Promise<void> | undefined
        // The store itself rather than its thread: the insert must start while the transaction is open, and the
        // statement log tells when that is (it runs after each statement, before the next one starts).
        const logger: Logger = {
          ...quiet,
          info: (_msg, fields) => {
            if (insertion === undefined && /^update "records"/i.test(String(fields?.['sql']))) insertion = store.insert(inserted)
          },
        }
        const store = RecordStore.open({ dialect, address: target.address, logger, logSql: true, redactHeaders: alwaysRedactedHeaders })
        try {
          await store.prepare()
          await assert.rejects(store.scrubLegacySecrets(10), { code: uniqueViolation[dialect] })
          assert.ok(insertion !== undefined, 'the insert started inside the scrub transaction')
          await insertion
          assert.deepEqual(
            (await store.read()).map((row) => row.recordUid),
            [null, null, ...inserted.map((row) => row.recordUid)],
          )
        } finally {
          await store.close()
        }
      } finally {
        await target.cleanup()
      }
    })

    test('retention deletes rows older than the cutoff, at most a batch at a time, and keeps newer ones', () =>
      withStore(async (store) => {
        await store.prepare()
        const day = 86_400_000
        const now = Date.UTC(2025, 5, 1)
        const old = Array.from({ length: 5 }, (_, i) => sampleRow({ createdAt: now - 10 * day - i * 1000 }))
        const recent = [sampleRow({ createdAt: now - day }), sampleRow({ createdAt: now })]
        await store.insert([...old, ...recent])
        assert.equal(await store.deleteOlderThan(now - 7 * day, 2), 2)
        assert.equal(await store.deleteOlderThan(now - 7 * day, 2), 2)
        assert.equal(await store.deleteOlderThan(now - 7 * day, 2), 1)
        assert.equal(await store.deleteOlderThan(now - 7 * day, 2), 0)
        assert.deepEqual(
          (await store.read()).map((r) => r.recordUid),
          recent.map((r) => r.recordUid),
        )
      }))

    test("the predecessor's database: old rows kept and readable beside new ones, their keys scrubbed", async () => {
      const target = await make()
      try {
        await target.raw(predecessorTable[dialect])
        await target.raw(predecessorRow(target, 1))
        await target.raw(predecessorRow(target, 2))
        // An upstream authorized by the credentials in its endpoint URL (no key), which echoed them in its answer.
        await target.raw(
          "INSERT INTO records (upstream_endpoint, upstream_sk, model, response, status) VALUES ('https://gw:OLD-secret-pw@proxy.example/v1', '', 'gpt-3.5-turbo', 'bad password OLD-secret-pw', 401)",
        )
        const store = openStore(target)
        try {
          assert.deepEqual((await store.prepare()).applied, [
            '0001_predecessor_records',
            '0002_request_columns',
            '0003_upstream_model',
            '0004_key_spend',
          ])
          await store.insert([sampleRow()])
          assert.equal(await store.scrubLegacySecrets(1), 1)
          assert.equal(await store.scrubLegacySecrets(10), 2)
          assert.equal(await store.scrubLegacySecrets(10), 0)
          const [old, , withCredentials, fresh] = await store.read()
          assert.equal(withCredentials?.upstreamEndpoint, 'https://proxy.example/v1')
          assert.equal(withCredentials?.response, 'bad password [redacted]')
          assert.ok(old && fresh)
          assert.equal(old.id, 1)
          assert.equal(old.createdAt, Date.UTC(2024, 4, 1, 2, 0, 0, 123))
          assert.equal(old.model, 'gpt-3.5-turbo')
          assert.equal(old.response, 'old answer')
          assert.equal(old.responseTimeNs, 1_500_000_000)
          assert.equal(old.status, 200)
          assert.match(old.clientKey ?? '', /^key-[0-9a-f]{12}$/)
          assert.match(old.upstreamKey ?? '', /^key-[0-9a-f]{12}$/)
          assert.deepEqual(JSON.parse(old.headers ?? ''), {
            Authorization: ['[redacted]'],
            'Content-Type': ['application/json'],
            'User-Agent': ['curl/8'],
          })
          assert.equal(old.recordUid, null)
          assert.equal(old.attempts, null)
          assert.ok(fresh.id > 2)
          assert.equal(fresh.model, 'gpt-4o')
        } finally {
          await store.close()
        }
        const everything = await target.everything()
        assert.ok(everything.includes('old answer'), 'the scan sees row contents')
        assert.ok(!everything.includes('OLD-secret'), 'no trace of the old keys is left')
      } finally {
        await target.cleanup()
      }
    })

    test('an older predecessor table (before hostname and headers existed) gains the columns it lacks', async () => {
      const target = await make()
      try {
        const older = predecessorTable[dialect].replace(/[`"]hostname[`"] text,/, '').replace(/,[`"]headers[`"] text/, '')
        assert.ok(!/hostname|headers/.test(older))
        await target.raw(older)
        await target.raw("INSERT INTO records (model, status) VALUES ('gpt-3.5-turbo', 200)")
        const store = openStore(target)
        try {
          await store.prepare()
          await store.insert([sampleRow()])
          const [old, fresh] = await store.read()
          assert.equal(old?.model, 'gpt-3.5-turbo')
          assert.equal(old?.hostname, null)
          assert.equal(fresh?.hostname, 'gw-1')
          assert.match(fresh?.headers ?? '', /redacted/)
        } finally {
          await store.close()
        }
      } finally {
        await target.cleanup()
      }
    })

    test('a database at an older schema version is upgraded in place', () =>
      withStore(async (store, target) => {
        assert.deepEqual((await store.prepare('0001_predecessor_records')).applied, ['0001_predecessor_records'])
        await target.raw(predecessorRow(target, 7))
        assert.deepEqual((await store.prepare()).applied, ['0002_request_columns', '0003_upstream_model', '0004_key_spend'])
        await store.insert([sampleRow()])
        const rows = await store.read()
        assert.equal(rows.length, 2)
        assert.equal(rows[0]?.clientIp, '10.0.0.7')
      }))

    test('spend by named key since a time: cost and tokens summed per key, unnamed and older rows left out', () =>
      withStore(async (store) => {
        await store.prepare()
        const since = Date.UTC(2025, 2, 1)
        await store.insert([
          sampleRow({ keyName: 'alice', costUsd: 0.25, totalTokens: 100, createdAt: since }),
          sampleRow({ keyName: 'alice', costUsd: 0.5, totalTokens: 50, createdAt: since + 86_400_000 }),
          // No price for its model: its tokens count, its cost does not.
          sampleRow({ keyName: 'alice', costUsd: null, totalTokens: 7, createdAt: since + 1 }),
          // Refused before any usage.
          sampleRow({ keyName: 'bob', costUsd: null, totalTokens: null, promptTokens: null, completionTokens: null, createdAt: since + 2 }),
          sampleRow({ keyName: 'bob', costUsd: 1, totalTokens: 10, createdAt: since - 1 }),
          sampleRow({ keyName: null, costUsd: 3, totalTokens: 1000, createdAt: since + 3 }),
        ])
        assert.deepEqual(await store.spendByKeySince(since), [
          { key: 'alice', usd: 0.75, tokens: 157 },
          { key: 'bob', usd: 0, tokens: 0 },
        ])
        assert.deepEqual(await store.spendByKeySince(since - 1, ['bob', 'carol']), [{ key: 'bob', usd: 1, tokens: 10 }])
        assert.deepEqual(await store.spendByKeySince(since, []), [])
        assert.deepEqual(await store.spendByKeySince(since + 2 * 86_400_000), [])
      }))

    test('-dblog logs each statement and its parameter count, never the values', async () => {
      const target = await make()
      const logs: string[] = []
      const store = openStore(target, true, logs)
      try {
        await store.prepare()
        await store.insert([sampleRow({ requestBody: 'BODY-MARKER' })])
      } finally {
        await store.close()
        await target.cleanup()
      }
      const inserts = logs
        .map((line) => JSON.parse(line) as { msg: string; sql?: string; parameters?: number })
        .filter((entry) => entry.msg === 'sql' && /insert into "records"/i.test(entry.sql ?? ''))
      assert.equal(inserts.length, 1)
      assert.ok((inserts[0]?.parameters ?? 0) > 20)
      assert.ok(!logs.join('\n').includes('BODY-MARKER'))
    })
  })
}
