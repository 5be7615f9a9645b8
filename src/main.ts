#!/usr/bin/env node
// Process entry: parse the command line, load the config, run the gateway, stop cleanly on SIGTERM.
// While serving, every line on stdout and stderr is JSON; check, -list, --help and --version print text.
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import { logListening } from './cli/listening-banner.js'
import { formatUpstreamList } from './cli/list-upstreams.js'
import { serve } from './serve.js'
import { runPrimary } from './cluster/run-primary.js'
import { connectWorkerLink, type WorkerLink } from './cluster/worker-link.js'
import { parseArgs, usage, UsageError, type CliArgs } from './cli/parse-args.js'
import { resolveLogLevel } from './cli/resolve-log-level.js'
import { defaultConfigPath, resolveConfig } from './cli/resolve-config.js'
import { ConfigError } from './config/config-error.js'
import { startupFailureLine } from './errors/startup-error.js'
import type { LoadedConfig } from './config/load-config.js'
import { createLineBuffer } from './log/line-buffer.js'
import { createLogger, type Logger, type LogLevel } from './log/logger.js'
import { buildVersion } from './observers/metrics/build-version.js'
import { receiveThreadWarnings } from './threads/thread-warnings.js'

/** Set once serving starts: from then on even a crash is reported as a JSON line. */
let serving = false
import { checkRecordDatabase } from './observers/recording/check-record-database.js'
import { prepareRecordsAtStart } from './observers/recording/prepare-records-at-start.js'

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
  if (args.command === 'version') {
    process.stdout.write(`openai-api-route ${buildVersion()}\n`)
    return 0
  }
  let loaded: LoadedConfig
  let level: LogLevel
  try {
    loaded = resolveConfig(args.command === 'check' ? (args.configPath ?? defaultConfigPath) : args.configPath, process.env)
    level = resolveLogLevel(process.env, loaded.config.logLevel)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`)
      return 1
    }
    throw error
  }
  if (args.command === 'check' || args.list) {
    for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`)
  }
  if (args.command === 'check') {
    const database = await checkRecordDatabase(loaded.config, { connect: args.connect, createDatabase: false })
    if (database.kind !== 'ok') {
      process.stderr.write(`${loaded.config.source}: records database: ${database.message}\n`)
      return 1
    }
    process.stdout.write(`${loaded.config.source}: ok (${loaded.config.upstreams.length} upstreams)\n`)
    return 0
  }
  if (args.list) {
    process.stdout.write(formatUpstreamList(loaded.config))
    return 0
  }
  return run(loaded, args, level)
}

/** One process, or a primary and its workers (`--workers N`, default one per core). */
async function run(loaded: LoadedConfig, args: CliArgs, level: LogLevel): Promise<number> {
  const { config } = loaded
  const logger = createLogger({ level, write: createLineBuffer((text) => process.stderr.write(text)).write })
  serving = true
  jsonUncaughtErrors()
  // The banner goes to stdout whatever the level: it is how an operator, or a script, learns the address.
  const out = createLogger({ level: 'info', write: (line) => process.stdout.write(line) })
  if (cluster.isWorker) {
    // node:cluster ends a worker at once, with status 0 and no word, when its primary goes away (killed, say),
    // cutting the requests in flight: this one drains instead (serve stops on 'disconnect') and ends after.
    if (cluster.worker !== undefined) cluster.worker.exitedAfterDisconnect = true
    // The primary has logged the config's warnings, once for the whole group; Node's own go to it too.
    const link = connectWorkerLink()
    jsonProcessWarnings(logger, link)
    // A worker that cannot start says why to the primary, which prints the one line and stops the others.
    return serve({ config, logger, out, dbLog: args.dbLog, link }).catch(async (error: unknown) => {
      await link.reportStartFailure(startupFailureLine(error))
      return 1
    })
  }
  jsonProcessWarnings(logger, undefined)
  for (const warning of loaded.warnings) logger.warn('config warning', { problem: warning })
  const workers = args.workers ?? availableParallelism()
  // Unusable database settings stop the start with one line (JSON, as every line from here on, like a port in
  // use); a database that is only down does not stop it.
  const problem = await prepareRecordsAtStart(config, logger, { workers })
  if (problem !== undefined) {
    logger.error(problem)
    return 1
  }
  if (workers === 1) {
    return serve({ config, logger, out, dbLog: args.dbLog }).catch((error: unknown) => {
      logger.error(startupFailureLine(error))
      return 1
    })
  }
  return runPrimary({ workers, config, logger, onListening: (url) => logListening(out, config, url, workers) })
}

/** A crash is reported as a JSON line too (Node would print a bare stack), then the process ends as Node would. */
function jsonUncaughtErrors(): void {
  process.on('uncaughtException', (error) => {
    createLogger({ level: 'error', write: (line) => process.stderr.write(line) }).error('uncaught exception: exiting', {
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    })
    process.exit(1)
  })
}

/**
 * Node's own warnings (deprecations, experimental features), this thread's and those its worker threads send, as
 * JSON lines; a worker process's go to the primary, which logs each once.
 */
function jsonProcessWarnings(logger: Logger, link: WorkerLink | undefined): void {
  const warn = (warning: { readonly name: string; readonly message: string }): void => {
    const fields = { name: warning.name, warning: warning.message }
    if (link === undefined) logger.warn('node warning', fields)
    else link.warn('node warning', fields)
  }
  // Node prints warnings through its own listener, as text: replaced, not joined.
  process.removeAllListeners('warning')
  process.on('warning', warn)
  receiveThreadWarnings(warn)
}

main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error)
      if (!serving) process.stderr.write(`openai-api-route: ${text}\n`)
      else createLogger({ level: 'error', write: (line) => process.stderr.write(line) }).error('the gateway failed', { error: text })
      process.exitCode = 1
    },
  )
  .finally(() => {
    // A worker's channel to its primary would keep it alive after main has ended (e.g. on a config error).
    if (cluster.isWorker && process.connected) process.disconnect()
    // Its work is done: a handle some library left open must not keep a worker alive with no primary to stop it.
    if (cluster.isWorker) setTimeout(() => process.exit(), 1_000).unref()
  })
