#!/usr/bin/env node
// Process entry: parse the command line, load the config, run the gateway, stop cleanly on SIGTERM.
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import { formatUpstreamList } from './cli/list-upstreams.js'
import { listeningBanner, serve } from './cli/serve.js'
import { runPrimary } from './cluster/run-primary.js'
import { connectWorkerLink } from './cluster/worker-link.js'
import { parseArgs, usage, UsageError, type CliArgs } from './cli/parse-args.js'
import { defaultConfigPath, resolveConfig } from './cli/resolve-config.js'
import { ConfigError } from './config/config-error.js'
import { startupFailureLine } from './errors/startup-error.js'
import type { LoadedConfig } from './config/load-config.js'
import { createLineBuffer } from './log/line-buffer.js'
import { createLogger, parseLogLevel } from './log/logger.js'

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
  return run(loaded, args)
}

/** One process, or a primary and its workers (`--workers N`, default one per core). */
function run(loaded: LoadedConfig, args: CliArgs): Promise<number> {
  const { config } = loaded
  // LOG_LEVEL, when set, wins over the file's log_level, so a level can be changed without editing the file.
  const logger = createLogger({ level: parseLogLevel(process.env['LOG_LEVEL'], config.logLevel ?? 'info'), write: createLineBuffer((text) => process.stderr.write(text)).write })
  if (cluster.isWorker) {
    // A worker that cannot start says why to the primary, which prints the one line and stops the others.
    const link = connectWorkerLink()
    return serve({ config, logger, dbLog: args.dbLog, link }).catch(async (error: unknown) => {
      await link.reportStartFailure(startupFailureLine(error))
      return 1
    })
  }
  const workers = args.workers ?? availableParallelism()
  if (workers === 1) {
    return serve({ config, logger, dbLog: args.dbLog }).catch((error: unknown) => {
      logger.error(startupFailureLine(error))
      return 1
    })
  }
  return runPrimary({ workers, config, logger, onListening: (url) => process.stdout.write(listeningBanner(config, url, workers)) })
}

main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      process.stderr.write(`openai-api-route: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
      process.exitCode = 1
    },
  )
  .finally(() => {
    // A worker's channel to its primary would keep it alive after main has ended (e.g. on a config error).
    if (cluster.isWorker && process.connected) process.disconnect()
  })
