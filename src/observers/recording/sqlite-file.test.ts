import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { openSqliteFile, type SqliteFile, type SqliteStatementRun } from './sqlite-file.js'

const dir = await mkdtemp(join(tmpdir(), 'sqlite-file-'))
after(() => rm(dir, { recursive: true, force: true }))

function withTable(name: string, use: (db: SqliteFile) => void): void {
  const db = openSqliteFile(join(dir, `${name}.sqlite`))
  try {
    db.prepare('create table t (n integer check (n > 0), label text)').run([])
    use(db)
  } finally {
    db.close()
  }
}

const insert = 'insert into t (n, label) values (?, ?)'
const bindPair = (statement: SqliteStatementRun, [n, label]: readonly [number, string]): void => {
  statement.run(n, label)
}

test('runEach runs the statement once per item, each run with the values bind passes', () =>
  withTable('each', (db) => {
    db.runEach(
      insert,
      [
        [1, 'a'],
        [2, 'b'],
      ] as const,
      bindPair,
    )
    db.runEach(insert, [[3, 'c']] as const, bindPair)
    assert.deepEqual(db.prepare('select n, label from t order by n').all([]), [
      { n: 1, label: 'a' },
      { n: 2, label: 'b' },
      { n: 3, label: 'c' },
    ])
  }))

test('a run that fails rolls back the runs before it, and the file takes the next write', () =>
  withTable('rollback', (db) => {
    assert.throws(
      () =>
        db.runEach(
          insert,
          [
            [1, 'a'],
            [2, 'b'],
            [-1, 'refused'],
            [4, 'd'],
          ] as const,
          bindPair,
        ),
      { code: 'SQLITE_CONSTRAINT_CHECK' },
    )
    assert.deepEqual(db.prepare('select count(*) as n from t').all([]), [{ n: 0 }])
    db.runEach(insert, [[5, 'e']] as const, bindPair)
    assert.deepEqual(db.prepare('select n from t').all([]), [{ n: 5 }])
  }))

test('runEach refuses to join a transaction already open on the file', () =>
  withTable('nested', (db) => {
    db.prepare('begin').run([])
    assert.throws(() => db.runEach(insert, [[1, 'a']] as const, bindPair), /transaction of its own/)
    db.prepare('rollback').run([])
    db.runEach(insert, [[1, 'a']] as const, bindPair)
    assert.deepEqual(db.prepare('select n from t').all([]), [{ n: 1 }])
  }))

test('a new file gets 16 KiB pages', () => {
  const db = openSqliteFile(join(dir, 'pages.sqlite'))
  try {
    db.prepare('create table t (n integer)').run([])
    assert.deepEqual(db.prepare('pragma page_size').all([]), [{ page_size: 16_384 }])
  } finally {
    db.close()
  }
})
