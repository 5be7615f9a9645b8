#!/usr/bin/env node
// Process entry: parse the command line, load the config, run the gateway, stop cleanly on SIGTERM.
import { formatUpstreamList } from './cli/list-upstreams.js'
import { parseArgs, usage, UsageError, type CliArgs } from './cli/parse-args.js'
import { defaultConfigPath, resolveConfig } from './cli/resolve-config.js'
import { ConfigError } from './config/config-error.js'
import { formatListenAddress } from './config/listen-address.js'
import type { LoadedConfig } from './config/load-config.js'
import { startGateway, type RunningGateway } from './gateway.js'
import { createLineBuffer } from './log/line-buffer.js'
import { createLogger, parseLogLevel } from './log/logger.js'
import { startRecording } from './observers/recording/start-recording.js'

async function main(argv: readonly string[]): Promise<number> {
  let args: CliArgs
  try {
    args = parseArgs(argv)
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${usage}`)
      return 2
    }
    throw error
  }
  if (args.command === 'help') {
    process.stdout.write(usage)
    return 0
  }
  let loaded: LoadedConfig
  try {
    loaded = resolveConfig(args.command === 'check' ? (args.configPath ?? defaultConfigPath) : args.configPath, process.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`)
      return 1
    }
    throw error
  }
  for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`)
  if (args.command === 'check') {
    process.stdout.write(`${loaded.config.source}: ok (${loaded.config.upstreams.length} upstreams)\n`)
    return 0
  }
  if (args.list) {
    process.stdout.write(formatUpstreamList(loaded.config))
    return 0
  }
  return serve(loaded, args.dbLog)
}

async function serve(loaded: LoadedConfig, dbLog: boolean): Promise<number> {
  const { config } = loaded
  // LOG_LEVEL, when set, wins over the file's log_level, so a level can be changed without editing the file.
  const logger = createLogger({ level: parseLogLevel(process.env['LOG_LEVEL'], config.logLevel ?? 'info'), write: createLineBuffer((text) => process.stderr.write(text)).write })
  const recording = startRecording({ config, logger, logSql: dbLog })
  let gateway: RunningGateway
  try {
    gateway = await startGateway({
      config,
      logger,
      observers: recording === undefined ? [] : [recording.observe],
      onShutdown: recording === undefined ? [] : [() => recording.close(config.shutdownTimeoutMs)],
    })
  } catch (error) {
    await recording?.close(0)
    throw error
  }
  if (recording !== undefined) {
    gateway.observability.attachRecordQueue(
      { depth: () => recording.counters().queued, written: () => recording.counters().written, dropped: () => recording.counters().dropped },
      config.dbType,
    )
  }
  process.stdout.write(
    `openai-api-route listening on ${gateway.url} (config: ${config.source}, address ${formatListenAddress(config.listen)})\n` +
      config.upstreams.map((u) => `  upstream ${u.index}: ${u.name} (${u.type})${u.noauth ? ', no client key needed' : ''}\n`).join(''),
  )
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      logger.info(`${signal}: draining`, { deadlineMs: config.shutdownTimeoutMs })
      gateway.shutdown().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error('shutdown failed', { error: String(error) })
          resolve(1)
        },
      )
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`openai-api-route: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  },
)
