// Opens the SQLite records file: the one module that imports better-sqlite3.
import Database from 'better-sqlite3'
import type { SqliteDatabase } from 'kysely'

/**
 * WAL lets readers (an admin page, `sqlite3` in a shell) run beside the writer; NORMAL sync is durable across
 * process crashes, which is what records need; secure_delete zeroes what retention and secret scrubbing remove,
 * so a deleted body or an old key does not linger in free pages of the file.
 */
export function openSqliteFile(path: string): SqliteDatabase {
  const database = new Database(path)
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma('busy_timeout = 5000')
  database.pragma('secure_delete = ON')
  return database
}
