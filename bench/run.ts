#!/usr/bin/env node
// The benchmark entry (`npm run bench`): start the mock and every target, run each scenario against each, report.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BenchUsageError, benchUsage, parseBenchOptions, type BenchOptions } from './bench-options.js'
import { ChildRegistry } from './child-registry.js'
import { startMockProcess } from './mock-process.js'
import { measure, type Measurement } from './measure.js'
import { formatInterference, formatRatios, formatTable, ms, resultsDocument } from './report.js'
import { scenarios, type Scenario } from './scenarios.js'
import { baselineTargetName, targets, type RunningTarget, type Target } from './targets.js'

const resultsFile = new URL('../../bench/results/latest.json', import.meta.url)
/** More than this many cores used by other processes during a measurement makes the report warn. */
const interferenceLimitCores = 0.1

async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions
  let chosen: { scenarios: Scenario[]; targets: Target[] }
  try {
    options = parseBenchOptions(argv)
    chosen = { scenarios: pick(scenarios, options.scenarios, 'scenario'), targets: pick(targets, options.targets, 'target') }
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error
    process.stderr.write(`${error.message}\n\n${benchUsage}`)
    return 2
  }
  if (options.help) {
    process.stdout.write(benchUsage)
    return 0
  }
  const children = new ChildRegistry()
  const workDir = mkdtempSync(join(tmpdir(), 'oar-bench-'))
  // The last word on every way out (a signal's process.exit included): no child and no temporary file outlive us.
  process.once('exit', () => {
    children.killAllNow()
    rmSync(workDir, { recursive: true, force: true })
  })
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: stopping the benchmark's processes\n`)
    void children.stopAll(1000).finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const running = new Map<string, RunningTarget>()
  try {
    process.stderr.write(`${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}; load generator, mock and targets share them\n`)
    const mock = await startMockProcess(children, { chunks: options.chunks, chunkGapMs: 0 })
    for (const target of chosen.targets) running.set(target.name, await target.start({ children, mock, workDir }))
    const measurements: Measurement[] = []
    for (const scenario of chosen.scenarios) {
      // Targets take turns within each repetition, so a burst of outside load hits one repetition, not one target.
      const runs = new Map<string, Measurement[]>()
      for (let repetition = 0; repetition < options.repeat; repetition++) {
        for (const [name, target] of running) {
          const m = await measure({ children, mock, options }, scenario, name, target)
          process.stderr.write(`  ${describe(m)}\n`)
          runs.set(name, [...(runs.get(name) ?? []), m])
        }
      }
      for (const candidates of runs.values()) measurements.push(leastDisturbed(candidates))
    }
    const ratios = formatRatios(measurements, baselineTargetName)
    process.stdout.write(`\n${formatTable(measurements)}\n${ratios === '' ? '' : `\n${ratios}\n`}`)
    process.stderr.write(formatInterference(measurements, interferenceLimitCores))
    if (options.json) {
      mkdirSync(new URL('.', resultsFile), { recursive: true })
      writeFileSync(resultsFile, `${JSON.stringify(resultsDocument(options, measurements), null, 2)}\n`)
      process.stdout.write(`\nwrote ${fileURLToPath(resultsFile)}\n`)
    }
    return measurements.some((m) => m.result.errors > 0) ? 1 : 0
  } finally {
    for (const target of running.values()) await target.stop()
    await children.stopAll()
  }
}

function describe(m: Measurement): string {
  const lag = m.result.maxScheduleLagMs === null ? '' : `, sender at most ${ms(m.result.maxScheduleLagMs)} ms late`
  const others = m.otherCpuCores === null ? '' : `, others ${m.otherCpuCores.toFixed(2)} cores`
  return `${m.scenario} -> ${m.target}: ${m.result.requestsPerS.toFixed(0)} req/s, p50 ${ms(m.result.total.p50Ms)} ms, ${m.result.errors} errors${lag}${others}`
}

/** The run other processes used the least CPU during (the first, where that is unknown). */
function leastDisturbed(candidates: readonly Measurement[]): Measurement {
  return candidates.reduce((best, m) => ((m.otherCpuCores ?? Infinity) < (best.otherCpuCores ?? Infinity) ? m : best))
}

function pick<T extends { readonly name: string }>(all: readonly T[], names: readonly string[], kind: string): T[] {
  if (names.length === 0) return [...all]
  return names.map((name) => {
    const found = all.find((item) => item.name === name)
    if (found === undefined) throw new BenchUsageError(`unknown ${kind} ${name}: choose from ${all.map((item) => item.name).join(', ')}`)
    return found
  })
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  },
)
