import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { openSqliteFile } from './sqlite-file.js'

const dir = await mkdtemp(join(tmpdir(), 'sqlite-file-'))
after(() => rm(dir, { recursive: true, force: true }))

test('the same SQL text runs on one prepared statement, and each run binds its own parameters', () => {
  const db = openSqliteFile(join(dir, 'reuse.sqlite'))
  try {
    db.prepare('create table t (n integer)').run([])
    const insert = 'insert into t (n) values (?)'
    const first = db.prepare(insert)
    first.run([1])
    const second = db.prepare(insert)
    second.run([2])
    assert.equal(second, first)
    assert.deepEqual(db.prepare('select n from t order by n').all([]), [{ n: 1 }, { n: 2 }])
  } finally {
    db.close()
  }
})

test('a statement still being iterated is not handed out again: the caller gets a fresh one', () => {
  const db = openSqliteFile(join(dir, 'busy.sqlite'))
  try {
    db.prepare('create table t (n integer)').run([])
    db.prepare('insert into t (n) values (1), (2)').run([])
    const select = 'select n from t order by n'
    const iterating = db.prepare(select).iterate([])
    assert.deepEqual(iterating.next().value, { n: 1 })
    assert.deepEqual(db.prepare(select).all([]), [{ n: 1 }, { n: 2 }])
    assert.deepEqual(iterating.next().value, { n: 2 })
    assert.equal(iterating.next().done, true)
  } finally {
    db.close()
  }
})

test('a new file gets 16 KiB pages', () => {
  const db = openSqliteFile(join(dir, 'pages.sqlite'))
  try {
    db.prepare('create table t (n integer)').run([])
    assert.deepEqual(db.prepare('pragma page_size').all([]), [{ page_size: 16_384 }])
  } finally {
    db.close()
  }
})
