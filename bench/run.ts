#!/usr/bin/env node
// The benchmark entry (`npm run bench`): start the mock and every target, run each scenario against each, report.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BenchUsageError, benchUsage, parseBenchOptions, type BenchOptions } from './bench-options.js'
import { ChildRegistry } from './child-registry.js'
import { planCpuPinning } from './cpu-pinning.js'
import { describeMeasurement, hasFailedRequests } from './describe-measurement.js'
import { ensureCommand } from './find-command.js'
import type { Measurement, Scenario, ScenarioContext } from './measurement.js'
import { startMockProcess } from './mock-process.js'
import { formatReport } from './report.js'
import { recordCounters, type RecordCounters } from './record-counters.js'
import { scenarios } from './scenarios.js'
import { checkTargets, formatChecks } from './target-summary.js'
import { gatewayTargetName, gatewayWorkersTargetName, referenceTargetName, targets, type RunningTarget, type Target } from './targets.js'

const resultsFile = new URL('../../bench/results/latest.json', import.meta.url)
/** More than this many cores used by other processes during a measurement makes the report warn. */
const interferenceLimitCores = 0.1

async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions
  let chosen: { scenarios: Scenario[]; targets: Target[] }
  try {
    options = parseBenchOptions(argv)
    chosen = {
      scenarios: pick(scenarios, options.scenarios, 'scenario').filter((s) => s.enabled(options)),
      targets: pick(targets, options.targets, 'target'),
    }
    if (chosen.scenarios.length === 0) throw new BenchUsageError('no scenario to run (soak needs --soak SECONDS)')
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error
    process.stderr.write(`${error.message}\n\n${benchUsage}`)
    return 2
  }
  if (options.help) {
    process.stdout.write(benchUsage)
    return 0
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`)
  const children = new ChildRegistry()
  const workDir = mkdtempSync(join(tmpdir(), 'oar-bench-'))
  // The last word on every way out (a signal's process.exit included): no child and no temporary file outlive us.
  process.once('exit', () => {
    children.killAllNow()
    rmSync(workDir, { recursive: true, force: true })
  })
  let stopping = false
  const onSignal = (signal: NodeJS.Signals): void => {
    // A second signal (Ctrl-C twice, or a wrapper forwarding one) must not end the runner before its cleanup.
    if (stopping) return
    stopping = true
    log(`\n${signal}: stopping the benchmark's processes`)
    void children.stopAll(1000).finally(() => process.exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const running = new Map<string, RunningTarget>()
  const loadBefore = loadavg()
  try {
    const pinning = planCpuPinning()
    log(
      `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
    )
    log(`pinning: ${pinning.description}`)
    const nginx = chosen.targets.some((t) => t.name === referenceTargetName)
      ? ensureCommand('nginx', ['nginx-light', 'nginx'], log)
      : undefined
    const needWrk = !options.nodeLoad && chosen.scenarios.some((s) => s.name === 'saturate')
    const wrk = needWrk ? ensureCommand('wrk', ['wrk'], log) : undefined
    if (needWrk && wrk === undefined) log('saturate uses the Node load generator instead of wrk: it, not the proxies, may be the limit')
    const mock = await startMockProcess(children, { chunks: options.chunks, chunkGapMs: 0 }, pinning.load)
    const context: ScenarioContext = { children, mock, options, workDir, pinning, wrk, log }
    const measurements: Measurement[] = []
    const records = new Map<string, RecordCounters | undefined>()
    for (const scenario of chosen.scenarios) {
      log(`${scenario.name}:`)
      // Every scenario gets freshly started targets: what one scenario leaves behind (a thousand closed streams
      // and their token estimates, a grown heap, a long records file) is not measured as part of the next.
      const applies = chosen.targets.filter((t) => scenario.appliesTo(t.name) && (t.scenarios?.includes(scenario.name) ?? true))
      for (const target of applies) {
        const started = await target.start({ children, mock, workDir, pinning, nginx })
        if (started === undefined) log(`target ${target.name} left out: it cannot run here (see above)`)
        else running.set(target.name, started)
      }
      try {
        // Targets take turns within each repetition, so a burst of outside load hits one repetition, not one target.
        const runs = new Map<string, Measurement[]>()
        for (let repetition = 0; repetition < options.repeat; repetition++) {
          for (const [name, target] of running) {
            const m = await scenario.run(context, name, target)
            log(`  ${describeMeasurement(m)}`)
            runs.set(name, [...(runs.get(name) ?? []), m])
          }
        }
        for (const candidates of runs.values()) measurements.push(leastDisturbed(candidates))
        for (const name of [gatewayTargetName, gatewayWorkersTargetName]) {
          const target = running.get(name)
          if (target !== undefined)
            records.set(name, addCounters(records.get(name), await recordCounters(target.origin), records.has(name)))
        }
      } finally {
        for (const target of running.values()) await target.stop()
        running.clear()
      }
    }
    const checks = checkTargets(measurements)
    const descriptions = new Map(scenarios.map((s) => [s.name, s.description]))
    const header = [
      `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
      `pinning: ${pinning.description}; saturate load: ${wrk === undefined ? 'Node load generator (undici)' : 'wrk -t1'}`,
    ].join('\n')
    process.stdout.write(`\n${header}\n\n${formatReport(measurements, descriptions)}\n`)
    for (const [name, counters] of records) {
      process.stdout.write(
        `\nrecords (${name}, SQLite): ${counters === undefined ? 'no figures from /metrics' : `${counters.written} written, ${counters.dropped} dropped, ${counters.queued} waiting`}`,
      )
    }
    process.stdout.write(`\n\n== targets (gateway: one process on core 1, records and metrics on)\n${formatChecks(checks)}\n`)
    const noisy = measurements.filter((m) => m.otherCpuCores !== null && m.otherCpuCores > interferenceLimitCores)
    if (noisy.length > 0) {
      log(
        `\nwarning: other processes competed for the CPUs during ${noisy.map((m) => `${m.scenario}/${m.target} (${(m.otherCpuCores as number).toFixed(2)} cores)`).join(', ')}: run again on a quiet machine before comparing those`,
      )
    }
    if (options.json) {
      mkdirSync(new URL('.', resultsFile), { recursive: true })
      const machine = {
        node: process.version,
        platform: process.platform,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadavg(),
      }
      const document = {
        generatedAt: new Date().toISOString(),
        machine,
        pinning: pinning.description,
        saturateLoad: wrk === undefined ? 'node' : 'wrk',
        options,
        records: Object.fromEntries(records),
        checks,
        measurements,
      }
      writeFileSync(resultsFile, `${JSON.stringify(document, null, 2)}\n`)
      process.stdout.write(`\nwrote ${fileURLToPath(resultsFile)}\n`)
    }
    return measurements.some(hasFailedRequests) ? 1 : 0
  } finally {
    for (const target of running.values()) await target.stop()
    await children.stopAll()
  }
}

/** Counters summed over the scenarios; once a scenario had no figures, the sum has none either. */
function addCounters(sum: RecordCounters | undefined, next: RecordCounters | undefined, seen: boolean): RecordCounters | undefined {
  if (next === undefined || (seen && sum === undefined)) return undefined
  if (sum === undefined) return next
  return { written: sum.written + next.written, dropped: sum.dropped + next.dropped, queued: sum.queued + next.queued }
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
