// Worker thread that owns the SQLite records file: statements run here, so a batch write never blocks requests.
import { parentPort, workerData } from 'node:worker_threads'
import type { SqliteDatabase } from 'kysely'
import { openSqliteFile } from './sqlite-file.js'

export type SqliteWorkerRequest = { readonly type: 'query'; readonly id: number; readonly sql: string; readonly parameters: readonly unknown[] } | { readonly type: 'close' }

export type SqliteWorkerReply =
  | { readonly type: 'opened' }
  | { readonly type: 'open-failed'; readonly message: string; readonly code: string | undefined }
  | { readonly type: 'result'; readonly id: number; readonly rows: unknown[]; readonly changes?: number | bigint; readonly lastInsertRowid?: number | bigint }
  | { readonly type: 'error'; readonly id: number; readonly message: string; readonly code: string | undefined }
  | { readonly type: 'closed' }

const port = parentPort
if (port !== null) {
  const post = (reply: SqliteWorkerReply): void => port.postMessage(reply)
  let database: SqliteDatabase | undefined
  try {
    database = openSqliteFile((workerData as { path: string }).path)
    post({ type: 'opened' })
  } catch (error) {
    post({ type: 'open-failed', message: messageOf(error), code: codeOf(error) })
  }
  port.on('message', (request: SqliteWorkerRequest) => {
    if (request.type === 'close') {
      database?.close()
      post({ type: 'closed' })
      port.close()
      return
    }
    try {
      if (database === undefined) throw new Error('the records file is not open')
      const statement = database.prepare(request.sql)
      if (statement.reader) {
        post({ type: 'result', id: request.id, rows: statement.all(request.parameters) as unknown[] })
      } else {
        const { changes, lastInsertRowid } = statement.run(request.parameters)
        post({ type: 'result', id: request.id, rows: [], changes, lastInsertRowid })
      }
    } catch (error) {
      post({ type: 'error', id: request.id, message: messageOf(error), code: codeOf(error) })
    }
  })
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}
