// RecordStoreThread: the store's calls across the worker boundary, errors with their codes, restarts.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createLogger } from '../../log/logger.js'
import { threadPrioritiesVisible, threadsAtNice } from '../../../tests/helpers/thread-nice.js'
import { backgroundNice } from '../../threads/background-priority.js'
import { RecordStoreError, RecordStoreThread } from './record-store-thread.js'

const quiet = createLogger({ level: 'silent' })

test('a database error arrives as a RecordStoreError with the driver code', async () => {
  // A directory where the file should be: SQLite itself refuses it.
  const store = RecordStoreThread.open({ dialect: 'sqlite', address: tmpdir(), logger: quiet, redactHeaders: [] })
  try {
    await assert.rejects(store.count(), (error: unknown) => {
      assert.ok(error instanceof RecordStoreError)
      assert.equal(error.code, 'SQLITE_CANTOPEN')
      return true
    })
    await assert.rejects(store.prepare(), (error: unknown) => {
      assert.ok(error instanceof RecordStoreError)
      assert.equal(error.code, 'RECORDS_SCHEMA')
      assert.match(error.message, /unable to open database file/)
      return true
    })
  } finally {
    await store.close()
  }
})

test('after the worker has stopped, the next call starts a new one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'records-thread-'))
  const logs: string[] = []
  const store = RecordStoreThread.open({
    dialect: 'sqlite',
    address: join(dir, 'db.sqlite'),
    logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    logSql: true,
    redactHeaders: [],
  })
  try {
    await store.prepare()
    await store.close()
    assert.equal(await store.count(), 0)
    assert.ok(
      logs.some((line) => line.includes('"msg":"sql"')),
      'log lines from the worker reach the logger',
    )
  } finally {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  }
})

test('the store thread runs at background priority, below the thread that serves requests', { skip: threadPrioritiesVisible }, async () => {
  const before = threadsAtNice(backgroundNice)
  const dir = await mkdtemp(join(tmpdir(), 'records-thread-'))
  const store = RecordStoreThread.open({ dialect: 'sqlite', address: join(dir, 'db.sqlite'), logger: quiet, redactHeaders: [] })
  try {
    await store.prepare()
    assert.equal(threadsAtNice(backgroundNice).filter((id) => !before.includes(id)).length, 1)
  } finally {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  }
})
