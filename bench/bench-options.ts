// The benchmark's command-line flags (`--duration 10 --connections 50 --json`), validated once and frozen.

export interface BenchOptions {
  /** Measured seconds per scenario and target, after the warm-up. */
  readonly durationS: number
  /** Seconds of load before measuring, so the JIT and keep-alive pools are warm. */
  readonly warmupS: number
  /** Connections for the saturate scenario, and the connection cap of fixed-rate. */
  readonly connections: number
  /** Concurrent streams for the stream scenario. */
  readonly streams: number
  /** Requests per second for the fixed-rate (open-loop) scenario. */
  readonly rate: number
  /** Content chunks per mock stream. */
  readonly chunks: number
  /** Wait between mock stream chunks in the stream scenario; 0 writes them back to back. */
  readonly chunkGapMs: number
  /** Open streams held by the idle-streams scenario. */
  readonly idleStreams: number
  /** Seconds of the soak (0 = no soak). */
  readonly soakS: number
  /** Non-stream requests per second during the soak (plus one stream per 20 of them). */
  readonly soakRate: number
  /** Runs of each scenario on each target; the report keeps the one least disturbed by other processes. */
  readonly repeat: number
  /** Scenario and target names to run, in order; empty = all. */
  readonly scenarios: readonly string[]
  readonly targets: readonly string[]
  /** Saturate with the Node load generator even when wrk is there (or can be installed). */
  readonly nodeLoad: boolean
  /** Also write the results to bench/results/latest.json. */
  readonly json: boolean
  readonly help: boolean
}

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError'
  readonly code = 'BENCH_USAGE'
}

export const benchUsage = `usage: npm run bench -- [flags]
  --duration S        measured seconds per scenario and target (default 10)
  --warmup S          unmeasured seconds of load first (default 2)
  --connections C     connections for saturate, connection cap for fixed-rate (default 50)
  --rate R            requests/s for the fixed-rate scenario (default 1000)
  --streams N         concurrent streams for the stream scenario (default 200)
  --chunks N          content chunks per mock stream (default 50)
  --chunk-gap-ms G    ms between chunks in the stream scenario (default 20; 0 = back to back)
  --idle-streams N    open streams held by the idle-streams scenario (default 1000)
  --soak S            also run the soak for S seconds against the gateway (default 0 = off; 600 = 10 minutes)
  --soak-rate R       non-stream requests/s during the soak, plus R/20 streams/s (default 500)
  --scenarios a,b     subset of: saturate, fixed-rate, stream, chunk-timing, idle-streams, soak (default all;
                      soak only with --soak)
  --targets a,b       subset of: direct, nginx, node-relay, gateway, gateway-2-workers (default all)
  --node-load         saturate with the Node load generator instead of wrk
  --repeat N          run each scenario on each target N times, keep the run other processes disturbed least (default 1)
  --json              also write bench/results/latest.json
`

const defaults: BenchOptions = {
  durationS: 10,
  warmupS: 2,
  connections: 50,
  streams: 200,
  rate: 1000,
  chunks: 50,
  chunkGapMs: 20,
  idleStreams: 1000,
  soakS: 0,
  soakRate: 500,
  repeat: 1,
  scenarios: [],
  targets: [],
  nodeLoad: false,
  json: false,
  help: false,
}

type NumberKey =
  'durationS' | 'warmupS' | 'connections' | 'streams' | 'rate' | 'chunks' | 'chunkGapMs' | 'idleStreams' | 'soakS' | 'soakRate' | 'repeat'

const numberFlags: Record<string, { key: NumberKey; min: number; integer: boolean }> = {
  duration: { key: 'durationS', min: 0.1, integer: false },
  warmup: { key: 'warmupS', min: 0, integer: false },
  connections: { key: 'connections', min: 1, integer: true },
  streams: { key: 'streams', min: 1, integer: true },
  rate: { key: 'rate', min: 0.1, integer: false },
  chunks: { key: 'chunks', min: 2, integer: true },
  'chunk-gap-ms': { key: 'chunkGapMs', min: 0, integer: false },
  'idle-streams': { key: 'idleStreams', min: 1, integer: true },
  soak: { key: 'soakS', min: 0, integer: false },
  'soak-rate': { key: 'soakRate', min: 1, integer: false },
  repeat: { key: 'repeat', min: 1, integer: true },
}

const switches = new Set(['json', 'help', 'h', 'node-load'])

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const options: { -readonly [K in keyof BenchOptions]: BenchOptions[K] } = { ...defaults }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const body = arg.replace(/^--?/, '')
    const eq = body.indexOf('=')
    const name = eq === -1 ? body : body.slice(0, eq)
    if (switches.has(name)) {
      if (name === 'json') options.json = true
      else if (name === 'node-load') options.nodeLoad = true
      else options.help = true
      continue
    }
    const value = eq === -1 ? argv[++i] : body.slice(eq + 1)
    if (value === undefined || value === '') throw new BenchUsageError(`--${name} needs a value`)
    if (name === 'scenarios' || name === 'targets') {
      options[name] = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
      continue
    }
    const spec = numberFlags[name]
    if (spec === undefined) throw new BenchUsageError(`unknown flag: ${arg}`)
    const n = Number(value)
    if (!Number.isFinite(n) || n < spec.min || (spec.integer && !Number.isInteger(n))) {
      throw new BenchUsageError(`--${name} needs ${spec.integer ? 'a whole number' : 'a number'} of ${spec.min} or more, got ${value}`)
    }
    options[spec.key] = n
  }
  return Object.freeze(options)
}
