// Worker thread that owns the records database: queries are built, sent and (for SQLite) executed here, so a
// batch write costs the request-serving thread only the hand-over of its rows.
import { parentPort, workerData } from 'node:worker_threads'
import type { Logger, LogLevel } from '../../log/logger.js'
import { runAtBackgroundPriority } from '../../threads/background-priority.js'
import { sendThreadWarnings } from '../../threads/thread-warnings.js'
import { RecordStore, type RecordStoreOptions } from './record-store.js'

/** The store methods a RecordStoreThread may call. */
export const recordStoreMethods = [
  'prepare',
  'ping',
  'insert',
  'insertValues',
  'count',
  'read',
  'spendByKeySince',
  'deleteOlderThan',
  'scrubLegacySecrets',
  'close',
] as const
export type RecordStoreMethod = (typeof recordStoreMethods)[number]

export type WorkerOptions = Omit<RecordStoreOptions, 'logger'>

export type ToWorker = { readonly type: 'call'; readonly id: number; readonly method: RecordStoreMethod; readonly args: readonly unknown[] }

export type FromWorker =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly message: string; readonly code: string | undefined }
  | {
      readonly type: 'log'
      readonly level: Exclude<LogLevel, 'silent'>
      readonly msg: string
      readonly fields: Record<string, unknown> | undefined
    }

const port = parentPort
if (port !== null) {
  runAtBackgroundPriority()
  // A driver's deprecation notice (pg's, say) is logged by the main thread as JSON, not printed here as text.
  sendThreadWarnings()
  const post = (message: FromWorker): void => port.postMessage(message)
  // Log lines go to the main thread's logger, so -dblog and warnings land where every other line does.
  const log =
    (level: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields?: Record<string, unknown>): void =>
      post({ type: 'log', level, msg, fields })
  const logger: Logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    line: (level, msg, fieldsJson) => {
      if (level !== 'silent') post({ type: 'log', level, msg, fields: JSON.parse(`{${fieldsJson}}`) as Record<string, unknown> })
    },
    // The main thread's logger filters by level.
    enabled: () => true,
  }
  const store = RecordStore.open({ ...(workerData as WorkerOptions), logger })
  port.on('message', (message: ToWorker) => {
    void call(store, message).then(
      (value) => {
        post({ type: 'reply', id: message.id, ok: true, value })
        if (message.method === 'close') port.close()
      },
      (error: unknown) =>
        post({
          type: 'reply',
          id: message.id,
          ok: false,
          message: error instanceof Error ? error.message : String(error),
          code: codeOf(error),
        }),
    )
  })
}

function call(store: RecordStore, message: ToWorker): Promise<unknown> {
  if (!(recordStoreMethods as readonly string[]).includes(message.method))
    return Promise.reject(new Error(`unknown method ${message.method}`))
  // eslint-disable-next-line @typescript-eslint/unbound-method -- applied to its own store on the next line
  const method = store[message.method] as (...args: unknown[]) => Promise<unknown>
  return method.apply(store, [...message.args])
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}
