// The start banner: one JSON line on stdout saying where the gateway listens, from which config, with which
// records store (and where it is), and which upstreams. Printed once per process group.
import { isAbsolute, resolve } from 'node:path'
import type { GatewayConfig } from '../config/gateway-config.js'
import { formatListenAddress } from '../config/listen-address.js'
import { parsePostgresAddress } from '../config/postgres-address.js'
import type { Logger } from '../log/logger.js'

export interface RecordsLocation {
  readonly store: GatewayConfig['dbType']
  /** SQLite: the file's absolute path; PostgreSQL: host:port/database (never the user or password). */
  readonly path: string | undefined
}

export function recordsLocation(config: GatewayConfig): RecordsLocation {
  switch (config.dbType) {
    case 'none':
      return { store: 'none', path: undefined }
    case 'sqlite':
      return { store: 'sqlite', path: isAbsolute(config.dbAddr) ? config.dbAddr : resolve(config.dbAddr) }
    case 'postgres': {
      const address = parsePostgresAddress(config.dbAddr)
      return {
        store: 'postgres',
        path: `${address?.host ?? 'localhost'}:${address?.port ?? 5432}/${address?.database ?? address?.user ?? ''}`,
      }
    }
  }
}

/** `out` writes to stdout at info whatever LOG_LEVEL says: the banner is how an operator (and a script) learns the address. */
export function logListening(out: Logger, config: GatewayConfig, url: string, workers: number): void {
  const records = recordsLocation(config)
  const processes = `${workers} ${workers === 1 ? 'process' : 'workers'}`
  const recordsText = records.path === undefined ? records.store : `${records.store} ${records.path}`
  out.info(`openai-api-route listening on ${url} (config: ${config.source}, records: ${recordsText}, ${processes})`, {
    url,
    address: formatListenAddress(config.listen),
    config: config.source,
    workers,
    records,
    upstreams: config.upstreams.map((u) => ({ index: u.index, name: u.name, type: u.type, noauth: u.noauth })),
  })
}
