#!/usr/bin/env node
// The benchmark entry (`npm run bench`): start the mock and every target, run each scenario against each, report.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BenchUsageError, benchUsage, parseBenchOptions, type BenchOptions } from './bench-options.js'
import { ChildRegistry } from './child-registry.js'
import { startMockProcess } from './mock-process.js'
import { processCpuMs } from './process-cpu.js'
import { formatRatios, formatTable, resultsDocument, type Measurement } from './report.js'
import { runLoadJob } from './run-load-job.js'
import { scenarios, type Scenario } from './scenarios.js'
import { baselineTargetName, targets, type RunningTarget, type Target } from './targets.js'

const resultsFile = new URL('../../bench/results/latest.json', import.meta.url)

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
  process.once('exit', () => children.killAllNow())
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: stopping the benchmark's processes\n`)
    void children.stopAll(1000).finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const workDir = mkdtempSync(join(tmpdir(), 'oar-bench-'))
  try {
    process.stderr.write(`${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}; load generator, mock and targets share them\n`)
    const mock = await startMockProcess(children, options)
    const running = new Map<string, RunningTarget>()
    for (const target of chosen.targets) running.set(target.name, await target.start({ children, mock, workDir }))
    const measurements: Measurement[] = []
    for (const scenario of chosen.scenarios) {
      for (const [name, target] of running) {
        const m = await measure(children, scenario, name, target, options)
        process.stderr.write(`  ${scenario.name} -> ${name}: ${m.result.requestsPerS.toFixed(0)} req/s, p50 ${m.result.total.p50Ms.toFixed(2)} ms, ${m.result.errors} errors\n`)
        measurements.push(m)
      }
    }
    process.stdout.write(`\n${formatTable(measurements)}\n\n${formatRatios(measurements, baselineTargetName)}\n`)
    if (options.json) {
      mkdirSync(new URL('.', resultsFile), { recursive: true })
      writeFileSync(resultsFile, `${JSON.stringify(resultsDocument(options, measurements), null, 2)}\n`)
      process.stdout.write(`\nwrote ${fileURLToPath(resultsFile)}\n`)
    }
    return measurements.some((m) => m.result.errors > 0) ? 1 : 0
  } finally {
    await children.stopAll()
    rmSync(workDir, { recursive: true, force: true })
  }
}

async function measure(children: ChildRegistry, scenario: Scenario, target: string, running: RunningTarget, options: BenchOptions): Promise<Measurement> {
  const cpuBefore = processCpuMs(running.pid)
  const result = await runLoadJob(children, scenario.jobFor(options, running.origin))
  const cpuAfter = processCpuMs(running.pid)
  const cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore
  return {
    scenario: scenario.name,
    target,
    concurrency: scenario.concurrency(options),
    figures: scenario.figures,
    result,
    targetCpuUsPerRequest: cpuMs === undefined || result.handled === 0 ? null : (cpuMs * 1000) / result.handled,
  }
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
