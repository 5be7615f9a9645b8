// What the start does about the records database before serving: stop on unusable settings, create a missing
// PostgreSQL database, and (before `--workers N` forks) migrate a SQLite file once.
import { resolve } from 'node:path'
import type { GatewayConfig } from '../../config/gateway-config.js'
import type { Logger } from '../../log/logger.js'
import { checkRecordDatabase } from './check-record-database.js'
import { RecordStore } from './record-store.js'

/** undefined when the gateway may start; else the one line saying why it must not. */
export async function prepareRecordsAtStart(
  config: GatewayConfig,
  logger: Logger,
  options: { readonly workers: number },
): Promise<string | undefined> {
  if (config.dbType === 'none') return undefined
  const check = await checkRecordDatabase(config, { connect: true, createDatabase: true })
  switch (check.kind) {
    case 'unusable':
      return `records database: ${check.message}`
    case 'unreachable':
      logger.error('records database unreachable: starting anyway; records wait in the queue and the spill file until it answers', {
        reason: check.message,
      })
      return undefined
    case 'created':
      logger.info(check.message)
      break
    case 'ok':
      break
  }
  // Workers migrating one SQLite file together race (two of them adding the same column); PostgreSQL serialises
  // them with an advisory lock. Migrating here, before the fork, leaves the workers nothing to do.
  if (config.dbType === 'sqlite' && options.workers > 1) {
    const store = RecordStore.open({
      dialect: 'sqlite',
      address: resolve(config.dbAddr),
      logger,
      redactHeaders: config.records.redactHeaders,
    })
    try {
      const { applied } = await store.prepare()
      if (applied.length > 0) logger.info('records schema migrated', { applied })
    } catch (error) {
      return `records database: ${error instanceof Error ? error.message : String(error)}`
    } finally {
      await store.close()
    }
  }
  return undefined
}
