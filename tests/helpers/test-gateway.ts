// Starts the real gateway in this process on 127.0.0.1:0 from a YAML config, and collects its outcomes.
import { parseConfigText } from '../../src/config/load-config.js'
import { startGateway, type RunningGateway } from '../../src/gateway.js'
import { createLogger } from '../../src/log/logger.js'
import type { RequestOutcome } from '../../src/outcome/request-outcome.js'
import type { Clock } from '../../src/time/clock.js'
import type { TokenEstimator } from '../../src/tokens/token-estimator.js'

export interface TestGateway extends RunningGateway {
  /** `http://127.0.0.1:PORT/v1`: a base URL for clients. */
  readonly baseURL: string
  readonly outcomes: RequestOutcome[]
  /** The position the next request's outcome will take, once earlier outcomes have all been observed. */
  nextOutcomeIndex(): Promise<number>
  /** Resolves with the next outcome (or an already-recorded one at that position). */
  outcomeAt(index: number): Promise<RequestOutcome>
  readonly logs: string[]
}

export interface TestGatewayOptions {
  /** Injected randomness for `lb_policy: random` (default Math.random). */
  readonly random?: () => number
  /** Counts tokens when an upstream reports none (default: the real counter thread). */
  readonly tokens?: TokenEstimator
  /** The time the gateway's deadlines read, e.g. a ManualClock the test moves (default the system clock). */
  readonly clock?: Clock
}

export async function startTestGateway(yaml: string, env: NodeJS.ProcessEnv = {}, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const { config } = parseConfigText(`address: "127.0.0.1:0"\n${yaml}`, 'test.yaml', env)
  const outcomes: RequestOutcome[] = []
  const waiters: Array<{ index: number; resolve: (o: RequestOutcome) => void }> = []
  const logs: string[] = []
  const gateway = await startGateway({
    config,
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.tokens === undefined ? {} : { tokens: options.tokens }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    recorder: {
      observe: (outcome) => {
        outcomes.push(outcome)
        for (const waiter of waiters.splice(0)) {
          if (outcomes[waiter.index] !== undefined) waiter.resolve(outcomes[waiter.index] as RequestOutcome)
          else waiters.push(waiter)
        }
      },
      close: async () => {},
    },
  })
  return {
    ...gateway,
    baseURL: `${gateway.url}/v1`,
    outcomes,
    logs,
    async nextOutcomeIndex() {
      await gateway.outcomesSettled()
      return outcomes.length
    },
    outcomeAt(index) {
      const existing = outcomes[index]
      if (existing !== undefined) return Promise.resolve(existing)
      return new Promise((resolve) => waiters.push({ index, resolve }))
    },
  }
}
