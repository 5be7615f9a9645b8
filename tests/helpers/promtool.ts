// Runs Prometheus' own `promtool check metrics` on a scrape; tests skip without it unless REQUIRE_SERVICES=1.
import { spawn, spawnSync } from 'node:child_process'

export const promtoolPath = process.env['PROMTOOL'] ?? '/usr/bin/promtool'

/** false when promtool runs; otherwise why the test skips (REQUIRE_SERVICES=1 runs the test, which then fails). */
export function promtoolSkipReason(): string | false {
  const probe = spawnSync(promtoolPath, ['--version'], { stdio: 'ignore' })
  if (probe.error === undefined && probe.status === 0) return false
  if (process.env['REQUIRE_SERVICES'] === '1') return false
  return `promtool not found at ${promtoolPath} (Debian package "prometheus", or set PROMTOOL): skipped`
}

export interface PromtoolResult {
  readonly code: number | null
  /** What promtool said: its lint findings or parse errors. */
  readonly output: string
}

/** `promtool check metrics`, reading the exposition on stdin. */
export function promtoolCheckMetrics(text: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtoolPath, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
    child.stdin.end(text)
  })
}
